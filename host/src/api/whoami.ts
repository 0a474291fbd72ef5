/**
 * Who the calling key is (either role): what the console asks at sign-in to know which pages
 * to show, without probing admin routes with an app key.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../auth/index.ts';
import type { ApiKeyRepository, AppRepository } from '../store/index.ts';
import { json, routeSchema } from './openapi/route-schema.ts';
import { object, orNull, text } from './openapi/shapes/common.ts';

const schema = routeSchema({
  tag: 'apps',
  summary: 'Who the calling key is',
  description: 'Its id, role and label; for an app key, its app too.',
  audience: 'any-key',
  ok: { 200: json('the key', object({ keyId: text, role: { enum: ['admin', 'app'] }, label: text, appId: text, appName: orNull(text) }, ['keyId', 'role', 'label'])) },
});

export interface WhoamiRoutesOptions {
  keys: ApiKeyRepository;
  apps: AppRepository;
}

export const whoamiRoutes: FastifyPluginAsync<WhoamiRoutesOptions> = async (app, { keys, apps }) => {
  app.addHook('onRequest', requireRole(keys, ['admin', 'app']));
  app.get('/v1/whoami', { schema }, async (req) => {
    const { keyId, role, label, appId } = req.principal!;
    if (appId === undefined) return { keyId, role, label };
    const own = await apps.get(appId);
    return { keyId, role, label, appId, appName: own?.name ?? null };
  });
};
