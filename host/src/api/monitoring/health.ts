/** Liveness and readiness for orchestrators; no key needed, nothing sensitive answered. */
import type { FastifyPluginAsync } from 'fastify';
import type { Sandbox } from '../../sandbox/index.ts';

export const healthRoutes: FastifyPluginAsync<{ sandbox: Sandbox }> = async (app, { sandbox }) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const workers = sandbox.workerPids().length;
    return reply.status(workers > 0 ? 200 : 503).send({ status: workers > 0 ? 'ready' : 'starting', sandboxWorkers: workers });
  });
};
