/**
 * API keys (admin): create app or admin keys (the key is shown once), list, revoke. An app key
 * belongs to an app (tenant): the one named by `app`, or a new app of its own. The apps
 * themselves are in apps.ts, registered from here.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyRepository, AppRepository, AuditRepository } from '../../store/index.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { list, object, text } from '../openapi/shapes/common.ts';
import { keyCreated, keyInfo } from '../openapi/shapes/tenancy.ts';
import { appId } from '../schemas.ts';
import { appRoutes } from './apps.ts';

export const keyRoutes: FastifyPluginAsync<{ keys: ApiKeyRepository; apps: AppRepository; audit: AuditRepository }> = async (app, { keys, apps, audit }) => {
  await app.register(appRoutes, { keys, apps, audit });

  await app.register(async (scoped) => {
    scoped.addHook('onRequest', requireRole(keys, 'admin'));

    scoped.post<{ Body: { role: 'admin' | 'app'; label: string; app?: string } }>(
      '/v1/keys',
      {
        schema: routeSchema({
          tag: 'apps',
          summary: 'Create an API key',
          description: 'The key is shown only in this answer; the host keeps its hash. An app key belongs to the app `app` names, or without it to a new app of its own (named after the label, with the key’s id). An admin key belongs to no app.',
          audience: 'admin',
          body: {
            type: 'object',
            required: ['role', 'label'],
            additionalProperties: false,
            properties: { role: { enum: ['admin', 'app'] }, label: { type: 'string', minLength: 1, maxLength: 100 }, app: { ...appId, description: 'the app an app key belongs to' } },
          },
          ok: { 201: json('the key', keyCreated) },
          errors: ['APP_NOT_FOUND'],
        }),
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

    const listed = routeSchema({ tag: 'apps', summary: 'List API keys', description: 'Oldest first, revoked keys included; never the keys themselves.', audience: 'admin', ok: { 200: json('the keys', object({ keys: list(keyInfo) }, ['keys'])) } });
    scoped.get('/v1/keys', { schema: listed }, async () => ({ keys: await keys.list() }));

    scoped.delete<{ Params: { id: string } }>(
      '/v1/keys/:id',
      {
        schema: routeSchema({
          tag: 'apps',
          summary: 'Revoke an API key',
          description: 'A key cannot revoke itself. Its app stays, with its records.',
          audience: 'admin',
          params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } },
          ok: { 200: json('revoked', object({ revoked: { ...text, description: 'the key’s id' } }, ['revoked'])) },
        }),
      },
      async (req) => {
        if (req.params.id === req.principal?.keyId) throw new EaselError('REQUEST_INVALID', { reason: 'a key cannot revoke itself' });
        if (!(await keys.revoke(req.params.id))) throw new EaselError('KEY_NOT_FOUND', { key: req.params.id });
        await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'key.revoke', target: req.params.id, outcome: 'ok' });
        return { revoked: req.params.id };
      },
    );
  });
};
