/** Liveness and readiness for orchestrators; no key needed, nothing sensitive answered. */
import type { FastifyPluginAsync } from 'fastify';
import type { Sandbox } from '../../sandbox/index.ts';
import type { BlobBackend } from '../../storage/index.ts';

/** A probe every few seconds must not become a write (local) or a request (S3) every few seconds. */
const STORAGE_CHECK_TTL_MS = 10_000;

export const healthRoutes: FastifyPluginAsync<{ sandbox: Sandbox; storage: BlobBackend }> = async (app, { sandbox, storage }) => {
  let checked: { at: number; ok: Promise<boolean> } | undefined;
  const storageOk = (): Promise<boolean> => {
    if (!checked || performance.now() - checked.at > STORAGE_CHECK_TTL_MS) {
      checked = { at: performance.now(), ok: storage.check().then(() => true, () => false) };
    }
    return checked.ok;
  };

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const workers = sandbox.workerPids().length;
    const blobs = (await storageOk()) ? 'ok' : 'unavailable';
    const ready = workers > 0 && blobs === 'ok';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : workers > 0 ? 'degraded' : 'starting', sandboxWorkers: workers, storage: blobs });
  });
};
