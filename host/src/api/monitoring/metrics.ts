/** Prometheus scrape endpoint. Admin key only: plugin names and traffic are not for everyone. */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import type { HostMetrics } from '../../monitoring/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { routeSchema } from '../openapi/route-schema.ts';

const schema = routeSchema({
  tag: 'monitoring',
  summary: 'Prometheus metrics',
  description: 'The Prometheus text format: plugin, agent, workflow and model series of this process, and Node’s process metrics (docs/reference/http-api.md#metrics-admin).',
  audience: 'admin',
  ok: { 200: { description: 'the metrics', content: { 'text/plain': { schema: { type: 'string', description: 'Prometheus text format 0.0.4' } } } } },
});

export const metricsRoutes: FastifyPluginAsync<{ metrics: HostMetrics; keys: ApiKeyRepository }> = async (app, { metrics, keys }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));

  app.get('/metrics', { schema }, async (_req, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
};
