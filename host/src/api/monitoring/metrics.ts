/** Prometheus scrape endpoint. Admin key only: plugin names and traffic are not for everyone. */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import type { HostMetrics } from '../../monitoring/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';

export const metricsRoutes: FastifyPluginAsync<{ metrics: HostMetrics; keys: ApiKeyRepository }> = async (app, { metrics, keys }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));

  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
};
