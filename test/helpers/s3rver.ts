/**
 * A real S3-compatible server (s3rver, the root devDependency) on 127.0.0.1 for storage tests,
 * in this process, with its objects in a fresh temp folder and one bucket created up front.
 *
 * s3rver checks SigV4 signatures against its one built-in account, so clients must sign with
 * S3RVER_CREDENTIALS; other keys get InvalidAccessKeyId (handy for testing refusals).
 * `stop()` closes the listening socket and every open connection, so later requests get
 * ECONNREFUSED like a store that went down; `restart()` serves the same folder on the same
 * port again. The helper owns the http.Server (s3rver's `run()` turns a listen error such as
 * EADDRINUSE into an uncaught 'error' event instead of a rejection) and mounts s3rver's Koa
 * app on it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface RunningS3rver {
  /** `http://127.0.0.1:PORT`: use with `forcePathStyle: true`. */
  endpoint: string;
  bucket: string;
  port: number;
  /** s3rver's data folder. */
  dir: string;
  /** Closes the server and its connections; the data stays for `restart()`. */
  stop(): Promise<void>;
  /** Serves the same data on the same port again. */
  restart(): Promise<void>;
  /** Stops (if running) and removes the data folder. */
  close(): Promise<void>;
}

/** The little of s3rver's (untyped, CommonJS) API used here: it is a Koa app. */
interface S3rverInstance {
  configureBuckets(): Promise<void>;
  callback(): Parameters<typeof createServer>[0];
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

export async function startS3rver(options: { bucket?: string } = {}): Promise<RunningS3rver> {
  const bucket = options.bucket ?? 'easel-test';
  const dir = await mkdtemp(join(tmpdir(), 'easel-s3rver-'));
  const app = new S3rver({ silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  await app.configureBuckets();
  const listen = (port: number): Promise<Server> =>
    new Promise((resolve, reject) => {
      const server = createServer(app.callback());
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server);
      });
    });

  let server: Server | undefined = await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = async (): Promise<void> => {
    if (!server) return;
    const closing = server;
    server = undefined;
    // close() alone waits for the keep-alive sockets SDK clients hold; end those too.
    const closed = new Promise<void>((resolve, reject) => closing.close((error) => (error ? reject(error) : resolve())));
    closing.closeAllConnections();
    await closed;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    port,
    dir,
    stop,
    async restart() {
      server ??= await listen(port);
    },
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
