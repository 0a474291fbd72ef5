/**
 * Who the calling key is (either role): what the console asks at sign-in to know which pages
 * to show, without probing admin routes with an app key.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../auth/index.ts';
import type { ApiKeyRepository, AppRepository } from '../store/index.ts';

export interface WhoamiRoutesOptions {
  keys: ApiKeyRepository;
  apps: AppRepository;
}

export const whoamiRoutes: FastifyPluginAsync<WhoamiRoutesOptions> = async (app, { keys, apps }) => {
  app.addHook('onRequest', requireRole(keys, ['admin', 'app']));
  app.get('/v1/whoami', async (req) => {
    const { keyId, role, label, appId } = req.principal!;
    if (appId === undefined) return { keyId, role, label };
    const own = await apps.get(appId);
    return { keyId, role, label, appId, appName: own?.name ?? null };
  });
};
