/**
 * Retention (admin): `POST /v1/retention/purge` runs a purge pass now, after any pass under
 * way, and answers what it removed. `kinds` narrows it; `before` (an instant not in the future)
 * takes the place of the configured days of the time-based kinds, also of those kept for ever.
 * Blobs go by their expiry only. Audited as `retention.purge`.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import { PURGE_KINDS, type PurgeKind, type Retention } from '../../retention/index.ts';
import type { ApiKeyRepository, AuditRepository } from '../../store/index.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { count, object, orNull, time } from '../openapi/shapes/common.ts';

export interface RetentionRoutesOptions {
  retention: Retention;
  keys: ApiKeyRepository;
  audit: AuditRepository;
}

interface Body {
  kinds?: PurgeKind[];
  before?: string;
}

const FIELDS: ReadonlySet<string> = new Set(['kinds', 'before']);

const body = {
  type: 'object',
  additionalProperties: false,
  properties: {
    kinds: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: PURGE_KINDS } },
    before: { type: 'string', format: 'date-time', maxLength: 64 },
  },
} as const;

const cutoff = { ...orNull(time), description: 'what was older went; null: not purged (kept for ever, or not asked for)' };
const report = object(
  {
    at: { ...time, description: 'when the pass ran: blobs expired by then went' },
    removed: object(
      { executions: count, steps: count, events: count, usage: count, audit: count, blobs: count, blobBytes: { ...count, description: 'given back to their plugins’ quotas' } },
      ['executions', 'steps', 'events', 'usage', 'audit', 'blobs', 'blobBytes'],
    ),
    more: { type: 'array', items: { enum: PURGE_KINDS }, description: 'kinds whose batch was full: call again until it is empty' },
    cutoffs: object({ executions: cutoff, events: cutoff, usage: cutoff, audit: cutoff }, ['executions', 'events', 'usage', 'audit']),
  },
  ['at', 'removed', 'more', 'cutoffs'],
);
const schema = routeSchema({
  tag: 'retention',
  summary: 'Run a purge pass now',
  description: 'One batch (EASEL_RETENTION_BATCH rows) of each kind, after any pass under way. `kinds` narrows it; `before` (not in the future) takes the place of the configured days of the time-based kinds. Blobs go by their expiry only. A field other than kinds and before is refused. Audited as retention.purge.',
  audience: 'admin',
  body,
  ok: { 200: json('what the pass removed', report) },
});

export const retentionRoutes: FastifyPluginAsync<RetentionRoutesOptions> = async (app, { retention, keys, audit }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));

  // No body is `{}`. The route schemas strip unknown properties; here a misspelt field (`kind`)
  // would widen a deletion to every kind, so it is refused instead.
  const strict = async (req: FastifyRequest) => {
    req.body ??= {};
    const unknown = req.body !== null && typeof req.body === 'object' ? Object.keys(req.body).filter((key) => !FIELDS.has(key)) : [];
    if (unknown.length > 0) {
      throw new EaselError('REQUEST_INVALID', { reason: `unknown field ${unknown[0]}: send kinds and before only` }, { problems: unknown.map((key) => ({ path: `/body/${key}`, message: 'is not a field of this request' })) });
    }
  };

  app.post<{ Body: Body | undefined }>('/v1/retention/purge', { schema, preValidation: strict }, async (req) => {
    const { kinds, before } = req.body ?? {};
    if (before !== undefined && Date.parse(before) > Date.now()) {
      throw new EaselError('REQUEST_INVALID', { reason: 'before must not be in the future' }, { problems: [{ path: '/body/before', message: 'must not be in the future' }] });
    }
    const report = await retention.pass({ ...(kinds === undefined ? {} : { kinds }), ...(before === undefined ? {} : { before }) });
    await audit.record({
      actor: `key:${req.principal?.keyId}`,
      action: 'retention.purge',
      outcome: 'ok',
      details: { kinds: kinds ?? PURGE_KINDS, ...(before === undefined ? {} : { before }), removed: report.removed, more: report.more },
    });
    return report;
  });
};
