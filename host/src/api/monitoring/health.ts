/** Liveness and readiness for orchestrators; no key needed, nothing sensitive answered. */
import type { FastifyPluginAsync } from 'fastify';
import type { Sandbox } from '../../sandbox/index.ts';
import type { BlobBackend } from '../../storage/index.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { count, object } from '../openapi/shapes/common.ts';

/** A probe every few seconds must not become a write (local) or a request (S3) every few seconds. */
const STORAGE_CHECK_TTL_MS = 10_000;

const readiness = object(
  {
    status: { enum: ['ready', 'starting', 'degraded'], description: 'starting: no sandbox worker is up; degraded: the blob store cannot be reached' },
    sandboxWorkers: count,
    storage: { enum: ['ok', 'unavailable'] },
  },
  ['status', 'sandboxWorkers', 'storage'],
);
const live = routeSchema({ tag: 'monitoring', summary: 'Liveness', audience: 'public', ok: { 200: json('the process serves', object({ status: { const: 'ok' } }, ['status'])) } });
const ready = routeSchema({
  tag: 'monitoring',
  summary: 'Readiness',
  description: 'Ready when sandbox workers are up and the blob store answers (probed at most every 10 seconds).',
  audience: 'public',
  ok: { 200: json('ready', readiness), 503: json('not ready', readiness) },
});

export const healthRoutes: FastifyPluginAsync<{ sandbox: Sandbox; storage: BlobBackend }> = async (app, { sandbox, storage }) => {
  let checked: { at: number; ok: Promise<boolean> } | undefined;
  const storageOk = (): Promise<boolean> => {
    if (!checked || performance.now() - checked.at > STORAGE_CHECK_TTL_MS) {
      checked = { at: performance.now(), ok: storage.check().then(() => true, () => false) };
    }
    return checked.ok;
  };

  app.get('/healthz', { schema: live }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: ready }, async (_req, reply) => {
    const workers = sandbox.workerPids().length;
    const blobs = (await storageOk()) ? 'ok' : 'unavailable';
    const ready = workers > 0 && blobs === 'ok';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : workers > 0 ? 'degraded' : 'starting', sandboxWorkers: workers, storage: blobs });
  });
};
