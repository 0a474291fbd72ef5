/**
 * API keys (admin): create app or admin keys (the key is shown once), list, revoke. An app key
 * belongs to an app (tenant): the one named by `app`, or a new app of its own. The apps
 * themselves are in apps.ts, registered from here.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyRepository, AppRepository, AuditRepository } from '../../store/index.ts';
import { appId } from '../schemas.ts';
import { appRoutes } from './apps.ts';

export const keyRoutes: FastifyPluginAsync<{ keys: ApiKeyRepository; apps: AppRepository; audit: AuditRepository }> = async (app, { keys, apps, audit }) => {
  await app.register(appRoutes, { keys, apps, audit });

  await app.register(async (scoped) => {
    scoped.addHook('onRequest', requireRole(keys, 'admin'));

    scoped.post<{ Body: { role: 'admin' | 'app'; label: string; app?: string } }>(
      '/v1/keys',
      {
        schema: {
          body: {
            type: 'object',
            required: ['role', 'label'],
            additionalProperties: false,
            properties: { role: { enum: ['admin', 'app'] }, label: { type: 'string', minLength: 1, maxLength: 100 }, app: appId },
          },
        },
      },
      async (req, reply) => {
        const { role, label, app: owner } = req.body;
        if (role === 'admin' && owner !== undefined) {
          throw new EaselError('REQUEST_INVALID', { reason: 'an admin key belongs to no app: send `app` with role app only' }, { problems: [{ path: '/body/app', message: 'only with role app' }] });
        }
        const created = await keys.create({ role, label, ...(owner === undefined ? {} : { appId: owner }) });
        await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'key.create', target: created.id, outcome: 'ok', details: { role, ...(created.appId ? { appId: created.appId } : {}) } });
        return reply.status(201).send({ id: created.id, key: created.key, role, label, ...(created.appId ? { appId: created.appId } : {}) });
      },
    );

    scoped.get('/v1/keys', async () => ({ keys: await keys.list() }));

    scoped.delete<{ Params: { id: string } }>(
      '/v1/keys/:id',
      { schema: { params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } } },
      async (req) => {
        if (req.params.id === req.principal?.keyId) throw new EaselError('REQUEST_INVALID', { reason: 'a key cannot revoke itself' });
        if (!(await keys.revoke(req.params.id))) throw new EaselError('KEY_NOT_FOUND', { key: req.params.id });
        await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'key.revoke', target: req.params.id, outcome: 'ok' });
        return { revoked: req.params.id };
      },
    );
  });
};
