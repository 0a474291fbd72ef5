/**
 * Apps (admin): the tenants. Create one (its keys come from `POST /v1/keys` with `app`), list
 * them, show one with its keys. Budgets per app and per user of an app are in budgets.ts.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyRepository, AppRepository, AuditRepository } from '../../store/index.ts';
import { appId } from '../schemas.ts';

export interface AppRoutesOptions {
  keys: ApiKeyRepository;
  apps: AppRepository;
  audit: AuditRepository;
}

const params = { type: 'object', required: ['id'], properties: { id: appId } } as const;

export const appRoutes: FastifyPluginAsync<AppRoutesOptions> = async (app, { keys, apps, audit }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));

  app.post<{ Body: { name: string } }>(
    '/v1/apps',
    { schema: { body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 100 } } } } },
    async (req, reply) => {
      const created = await apps.create({ name: req.body.name });
      await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'app.create', target: created.id, outcome: 'ok', details: { name: created.name } });
      return reply.status(201).send(created);
    },
  );

  app.get('/v1/apps', async () => ({ apps: await apps.list() }));

  app.get<{ Params: { id: string } }>('/v1/apps/:id', { schema: { params } }, async (req) => {
    const found = await apps.get(req.params.id);
    if (!found) throw new EaselError('APP_NOT_FOUND', { app: req.params.id });
    return { ...found, keys: await apps.keys(found.id) };
  });
};
