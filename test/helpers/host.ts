/**
 * Starts a real host for a test: a fresh data dir in the OS temp folder, a real port on
 * 127.0.0.1, real sandbox worker processes. `restart()` closes it and starts it again on
 * the same data dir, as after a host restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHost, loadConfig, type Host, type HostConfig } from '../../host/src/index.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface RunningHost {
  url: string;
  dataDir: string;
  host: Host;
  config: HostConfig;
  /** fetch against the host with an API key (admin by default). */
  call(method: string, path: string, options?: { key?: string | null; body?: unknown; raw?: Buffer; contentType?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  restart(): Promise<RunningHost>;
  close(): Promise<void>;
}

type Overrides = Parameters<typeof loadConfig>[1];

export async function startHost(overrides: Overrides = {}, dataDir?: string): Promise<RunningHost> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'easel-host-')));
  const config = loadConfig(
    {},
    {
      dataDir: dir,
      port: 0,
      adminToken: ADMIN_TOKEN,
      logLevel: 'silent',
      firstPartyPlugins: false,
      ...overrides,
      // Tests never reach AWS, whatever credentials the machine has.
      models: {
        backoffBaseMs: 0,
        backoffMaxMs: 0,
        quotaMaxWaitMs: 0,
        ...(overrides as { models?: object }).models,
        cache: { semantic: false, ...(overrides as { models?: { cache?: object } }).models?.cache },
        bedrock: { mode: 'emulator', ...(overrides as { models?: { bedrock?: object } }).models?.bedrock },
      },
      sandbox: { workers: 1, ...(overrides as { sandbox?: object }).sandbox },
    } as Overrides,
  );
  const host = await buildHost(config);
  const url = await host.app.listen({ host: '127.0.0.1', port: 0 });
  const running: RunningHost = {
    url,
    dataDir: dir,
    host,
    config,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const key = options.key === undefined ? ADMIN_TOKEN : options.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | Buffer | undefined;
      if (options.raw) {
        body = options.raw;
        headers['content-type'] = options.contentType ?? 'application/gzip';
      } else if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
    },
    async restart() {
      await host.app.close();
      return startHost(overrides, dir);
    },
    async close() {
      await host.app.close();
      if (!dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
  return running;
}
