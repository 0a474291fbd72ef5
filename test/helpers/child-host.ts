/**
 * Runs `host/src/main.ts` as a real child process, so a test can SIGKILL it mid-work and
 * start it again on the same data dir: the crash an in-process host (./host.ts) cannot have.
 * HOME is an empty folder of its own, so no ~/.aws file of the machine is ever read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './pack.ts';

export const CHILD_ADMIN_TOKEN = 'child-host-admin-token-0123456789';

/** Output kept for error messages; older output is dropped. */
const MAX_OUTPUT = 64 * 1024;

export interface ChildHostOptions {
  /** Data dir to use (kept on close); default a fresh temp folder (removed on close). */
  dataDir?: string;
  /** EASEL_* (or other) variables on top of the defaults, which they override. */
  env?: Record<string, string>;
  /** How long to wait for "listening on". Default 30 s. */
  startTimeoutMs?: number;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  raw?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface ChildHost {
  url: string;
  dataDir: string;
  pid: number;
  /** What the child wrote to stdout and stderr so far (the last 64 KiB). */
  output(): string;
  /** fetch against the host with an API key (admin by default); the body parsed as JSON. */
  call(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: any; headers: Headers }>;
  /** Resolves with the exit code (null: ended by a signal) once the process has exited on its own or been killed. */
  exited: Promise<number | null>;
  /** SIGKILL, then waits until the process has exited. */
  kill(): Promise<void>;
  /** Kills it if still running, then starts a new child on the same data dir and env. */
  restart(): Promise<ChildHost>;
  /** Kills it if still running; removes the data dir when the helper made it. */
  close(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startChildHost(options: ChildHostOptions = {}): Promise<ChildHost> {
  const base = await mkdtemp(join(tmpdir(), 'easel-child-'));
  const home = join(base, 'home');
  await mkdir(home);
  // A data dir of the helper's own lives in `base`, so removing `base` removes it too.
  const dataDir = options.dataDir ?? join(base, 'data');
  try {
    return await launch(dataDir, home, options, () => rm(base, { recursive: true, force: true }));
  } catch (error) {
    await rm(base, { recursive: true, force: true });
    throw error;
  }
}

async function launch(dataDir: string, home: string, options: ChildHostOptions, cleanup: () => Promise<void>): Promise<ChildHost> {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(REPO, 'host/src/main.ts')], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      EASEL_DATA_DIR: dataDir,
      EASEL_PORT: '0',
      EASEL_ADMIN_TOKEN: CHILD_ADMIN_TOKEN,
      EASEL_LOG_LEVEL: 'warn',
      EASEL_FIRST_PARTY_PLUGINS: 'false',
      EASEL_SANDBOX_WORKERS: '1',
      ...options.env,
    },
    cwd: home,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-MAX_OUTPUT);
  };
  // Read both pipes for the child's whole life: a full pipe would block its writes.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`host did not start within ${options.startTimeoutMs ?? 30_000} ms:\n${out}`));
    }, options.startTimeoutMs ?? 30_000);
    const onData = (): void => {
      const m = /Easel host listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.off('exit', onExit);
        resolve(m[1]);
      }
    };
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`host exited (${signal ?? code}) before listening:\n${out}`));
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });

  const exitCode = exited(child).then(() => child.exitCode);
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  };

  return {
    url,
    dataDir,
    pid: child.pid as number,
    exited: exitCode,
    output: () => out,
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { ...callOptions.headers };
      const key = callOptions.key === undefined ? CHILD_ADMIN_TOKEN : callOptions.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | Buffer | undefined;
      if (callOptions.raw) {
        body = callOptions.raw;
        headers['content-type'] = callOptions.contentType ?? 'application/gzip';
      } else if (callOptions.body !== undefined) {
        body = JSON.stringify(callOptions.body);
        headers['content-type'] = 'application/json';
      }
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
    },
    kill,
    async restart() {
      await kill();
      return launch(dataDir, home, options, cleanup);
    },
    async close() {
      await kill();
      await cleanup();
    },
  };
}
