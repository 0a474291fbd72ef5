/**
 * Apps (admin): the tenants. Create one (its keys come from `POST /v1/keys` with `app`), list
 * them, show one with its keys. Budgets per app and per user of an app are in budgets.ts.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyRepository, AppRepository, AuditRepository } from '../../store/index.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { list, object } from '../openapi/shapes/common.ts';
import { app as appShape, appDetail } from '../openapi/shapes/tenancy.ts';
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
    {
      schema: routeSchema({
        tag: 'apps',
        summary: 'Create an app',
        description: 'An app is a tenant: its keys come from POST /v1/keys with `app`. Audited as app.create.',
        audience: 'admin',
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1, maxLength: 100 } } },
        ok: { 201: json('the app', appShape) },
      }),
    },
    async (req, reply) => {
      const created = await apps.create({ name: req.body.name });
      await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'app.create', target: created.id, outcome: 'ok', details: { name: created.name } });
      return reply.status(201).send(created);
    },
  );

  const listed = routeSchema({ tag: 'apps', summary: 'List apps', audience: 'admin', ok: { 200: json('the apps, oldest first', object({ apps: list(appShape) }, ['apps'])) } });
  app.get('/v1/apps', { schema: listed }, async () => ({ apps: await apps.list() }));

  const detail = routeSchema({ tag: 'apps', summary: 'Show an app with its keys', audience: 'admin', params, ok: { 200: json('the app', appDetail) }, errors: ['APP_NOT_FOUND'] });
  app.get<{ Params: { id: string } }>('/v1/apps/:id', { schema: detail }, async (req) => {
    const found = await apps.get(req.params.id);
    if (!found) throw new EaselError('APP_NOT_FOUND', { app: req.params.id });
    return { ...found, keys: await apps.keys(found.id) };
  });
};
