/**
 * The audit log (admin only): `GET /v1/audit` lists entries newest first, filtered by action,
 * plugin, actor and time, a page at a time: `nextCursor` is the id of the page's last entry,
 * sent back as `before` for the next page (keyset paging, so pages stay whole while entries
 * are written). App keys get FORBIDDEN: the log spans every app.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyRepository, AuditRepository } from '../../store/index.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { pluginName } from '../schemas.ts';

export interface AuditRoutesOptions {
  audit: AuditRepository;
  keys: ApiKeyRepository;
}

interface Query {
  action?: string;
  plugin?: string;
  actor?: string;
  since?: string;
  until?: string;
  limit?: number;
  before?: number;
}

const instant = { type: 'string', format: 'date-time', maxLength: 40 } as const;
const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }) as const;

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    action: text(128),
    plugin: pluginName,
    actor: text(256),
    since: instant,
    until: instant,
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    before: { type: 'integer', minimum: 1 },
  },
} as const;

const entry = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'at', 'actor', 'action', 'outcome'],
  properties: {
    id: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    actor: { type: 'string' },
    action: { type: 'string' },
    target: { type: 'string' },
    outcome: { type: 'string', enum: ['ok', 'denied', 'failed'] },
    plugin: { type: 'string' },
    // What the action recorded, as it recorded it: any JSON value.
    details: {},
  },
} as const;

const page = {
  type: 'object',
  additionalProperties: false,
  required: ['items'],
  properties: { items: { type: 'array', items: entry }, nextCursor: { type: 'integer', description: 'send as before for the next page; absent on the last' } },
} as const;

const schema = routeSchema({
  tag: 'apps',
  summary: 'Read the audit log',
  description: 'Newest first, filtered by action, plugin, actor and time ([since, until)), a page at a time (keyset: before is the previous page’s nextCursor).',
  audience: 'admin',
  querystring,
  ok: { 200: json('a page of audit entries', page) },
});

export const auditRoutes: FastifyPluginAsync<AuditRoutesOptions> = async (app, { audit, keys }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));

  app.get<{ Querystring: Query }>('/v1/audit', { schema }, async (req) => {
    const { limit = 50, ...filters } = req.query;
    if (filters.since !== undefined && filters.until !== undefined && Date.parse(filters.since) >= Date.parse(filters.until)) {
      throw new EaselError('REQUEST_INVALID', { reason: 'since must be before until' }, { problems: [{ path: '/querystring/until', message: 'must be after since' }] });
    }
    // One more than the page: whether there is a next page, without a count.
    const rows = await audit.list({ ...filters, limit: limit + 1 });
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return rows.length > limit && last !== undefined ? { items, nextCursor: last.id } : { items };
  });
};
