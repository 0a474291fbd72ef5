/**
 * Host memory with 100 idle enabled plugins: a real host as operators start it
 * (`host/src/main.ts`, a child process, default settings), and N tiny plugins (each its own
 * name, packed with the real `easel` CLI) uploaded and enabled, each called once through
 * `POST /v1/agents/...`, then left idle. Resident memory is read from /proc for the host
 * process and each of its descendants (the sandbox workers): RSS (VmRSS) and PSS (shared pages
 * split between the processes that map them, from smaps_rollup), before any plugin, after
 * the enables, after the calls, and after the idle wait. The host's own figures (isolates
 * live, their heap, from GET /metrics) are printed beside them. Prints a Markdown table and
 * one JSON line.
 *
 *   ./run node --no-node-snapshot bench/idle-rss.ts [--plugins 100] [--idle-seconds 15] [--data-dir DIR]
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packWithCli } from '../test/helpers/pack.ts';
import { startServer, type Server } from './peers/child.ts';
import { REPO } from './soak/processes.ts';

const { values: opts } = parseArgs({ options: { plugins: { type: 'string', default: '100' }, 'idle-seconds': { type: 'string', default: '15' }, 'data-dir': { type: 'string' }, 'pack-jobs': { type: 'string', default: '4' } } });
const PLUGINS = Number(opts.plugins);
const IDLE_SECONDS = Number(opts['idle-seconds']);
const PACK_JOBS = Number(opts['pack-jobs']);
const ADMIN = 'bench-idle-rss-admin-token-0123456789abcdef';
const SETTLE_MS = 3_000;

const nameOf = (i: number) => `idle-${String(i).padStart(3, '0')}`;

function manifest(name: string) {
  return {
    name,
    version: '1.0.0',
    description: 'bench/idle-rss: a tiny plugin that answers once and then idles',
    author: 'Easel bench',
    license: 'Apache-2.0',
    engines: { easel: '^1.0.0' },
    agents: [
      {
        type: 'tiny',
        description: 'Answers its input number',
        capabilities: [
          {
            name: 'echo',
            description: 'Answers the number it is given',
            input: { type: 'object', required: ['n'], additionalProperties: false, properties: { n: { type: 'integer' } } },
            output: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } },
          },
        ],
      },
    ],
  };
}

const ENTRY = `import { definePlugin } from '@easel/sdk';

export default definePlugin({ agents: { tiny: { capabilities: { echo: (input) => ({ n: input.n }) } } } });
`;

async function pack(root: string, i: number): Promise<Buffer> {
  const dir = join(root, nameOf(i));
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'plugin.json'), JSON.stringify(manifest(nameOf(i)), null, 2));
  await writeFile(join(dir, 'src/index.js'), ENTRY);
  await mkdir(join(dir, 'node_modules/@easel'), { recursive: true });
  await symlink(join(REPO, 'sdk'), join(dir, 'node_modules/@easel/sdk'), 'dir');
  return (await packWithCli(dir)).tarball;
}

/** Every tarball, `PACK_JOBS` CLI processes at a time. */
async function packAll(root: string): Promise<Buffer[]> {
  const out: Buffer[] = new Array(PLUGINS);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, PACK_JOBS) }, async () => {
      while (next < PLUGINS) {
        const i = next++;
        out[i] = await pack(root, i);
      }
    }),
  );
  return out;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function descendants(pid: number): number[] {
  return childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);
}

/** kB figure of a `Name:   123 kB` line. */
function kb(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

interface Mem {
  rssMb: number;
  pssMb: number;
}

function memOf(pid: number): Mem {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  let pss = 0;
  try {
    pss = kb(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'), 'Pss');
  } catch {
    // No smaps_rollup on this kernel: PSS shows 0.
  }
  return { rssMb: kb(status, 'VmRSS') / 1024, pssMb: pss / 1024 };
}

interface Sample {
  phase: string;
  host: Mem;
  workers: Mem;
  workerCount: number;
  total: Mem;
  isolatesLive: number | undefined;
  isolateHeapMb: number | undefined;
  /** The host process's own V8 heap in use, and memory outside it that V8 knows of (buffers, native addons' reports), from its /metrics. */
  hostHeapMb: number | undefined;
  hostExternalMb: number | undefined;
}

const r1 = (x: number) => Math.round(x * 10) / 10;

async function sample(server: Server, phase: string): Promise<Sample> {
  const host = memOf(server.pid);
  const workerPids = descendants(server.pid);
  const ws = workerPids.map(memOf);
  const workers = { rssMb: ws.reduce((n, m) => n + m.rssMb, 0), pssMb: ws.reduce((n, m) => n + m.pssMb, 0) };
  const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
  const live = /^easel_sandbox_isolates_live(?:\{[^}]*\})? ([\d.e+]+)$/m.exec(metrics);
  const heap = [...metrics.matchAll(/^easel_sandbox_isolate_heap_bytes\{[^}]*\} ([\d.e+]+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const gauge = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)$`, 'm').exec(metrics);
    return m ? r1(Number(m[1]) / 1024 / 1024) : undefined;
  };
  return {
    phase,
    host: { rssMb: r1(host.rssMb), pssMb: r1(host.pssMb) },
    workers: { rssMb: r1(workers.rssMb), pssMb: r1(workers.pssMb) },
    workerCount: workerPids.length,
    total: { rssMb: r1(host.rssMb + workers.rssMb), pssMb: r1(host.pssMb + workers.pssMb) },
    isolatesLive: live ? Number(live[1]) : undefined,
    isolateHeapMb: r1(heap / 1024 / 1024),
    hostHeapMb: gauge('easel_nodejs_heap_size_used_bytes'),
    hostExternalMb: gauge('easel_nodejs_external_memory_bytes'),
  };
}

async function ensure(what: string, res: Response, status: number): Promise<any> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const root = opts['data-dir'] ?? (await mkdtemp(join(tmpdir(), 'easel-bench-idle-')));
let server: Server | undefined;
try {
  const loadAtStart = loadavg()[0]!;
  const packStart = performance.now();
  const tarballs = await packAll(join(root, 'plugins'));
  const packMs = performance.now() - packStart;
  await mkdir(join(root, 'home'), { recursive: true });
  server = await startServer('the Easel host', process.execPath, ['--no-node-snapshot', join(REPO, 'host/src/main.ts')], /Easel host listening on (http:\/\/\S+)/, {
    cwd: join(root, 'home'),
    timeoutMs: 180_000,
    env: {
      PATH: process.env.PATH,
      HOME: join(root, 'home'),
      EASEL_DATA_DIR: join(root, 'data'),
      EASEL_HOST: '127.0.0.1',
      EASEL_PORT: '0',
      EASEL_ADMIN_TOKEN: ADMIN,
      EASEL_LOG_LEVEL: 'warn',
      EASEL_FIRST_PARTY_PLUGINS: 'false',
    },
  });
  const admin = { authorization: `Bearer ${ADMIN}` };
  const json = { ...admin, 'content-type': 'application/json' };
  const key = await ensure('app key', await fetch(`${server.url}/v1/keys`, { method: 'POST', headers: json, body: JSON.stringify({ role: 'app', label: 'bench-idle-rss' }) }), 201);
  const app = { authorization: `Bearer ${key.key as string}`, 'content-type': 'application/json' };
  await sleep(SETTLE_MS);
  const samples: Sample[] = [await sample(server, 'host started, no plugin')];

  const enableStart = performance.now();
  for (let i = 0; i < PLUGINS; i++) {
    await ensure(`upload ${nameOf(i)}`, await fetch(`${server.url}/v1/plugins/upload`, { method: 'POST', headers: { ...admin, 'content-type': 'application/gzip' }, body: new Uint8Array(tarballs[i]!) }), 201);
    await ensure(`enable ${nameOf(i)}`, await fetch(`${server.url}/v1/plugins/${nameOf(i)}/enable`, { method: 'POST', headers: json, body: JSON.stringify({ grant: 'requested' }) }), 200);
  }
  const enableMs = performance.now() - enableStart;
  await sleep(SETTLE_MS);
  samples.push(await sample(server, `${PLUGINS} uploaded and enabled`));

  const callStart = performance.now();
  for (let i = 0; i < PLUGINS; i++) {
    const body = await ensure(`call ${nameOf(i)}`, await fetch(`${server.url}/v1/agents/${nameOf(i)}/tiny/echo`, { method: 'POST', headers: app, body: JSON.stringify({ n: i }) }), 200);
    if (body?.output?.n !== i) throw new Error(`${nameOf(i)} answered ${JSON.stringify(body).slice(0, 300)}`);
  }
  const callMs = performance.now() - callStart;
  await sleep(SETTLE_MS);
  samples.push(await sample(server, 'each called once'));
  await sleep(IDLE_SECONDS * 1000);
  samples.push(await sample(server, `then idle ${IDLE_SECONDS} s`));

  const base = samples[0]!;
  const last = samples.at(-1)!;
  const added = { rssMb: r1(last.total.rssMb - base.total.rssMb), pssMb: r1(last.total.pssMb - base.total.pssMb) };
  const loadAtEnd = loadavg()[0]!;
  console.log(`\nHost memory with ${PLUGINS} tiny enabled plugins (default settings; load average ${loadAtStart.toFixed(2)} at the start, ${loadAtEnd.toFixed(2)} at the end)\n`);
  console.log('| phase | host RSS / PSS MB | host JS heap / external MB | sandbox workers RSS / PSS MB (count) | total RSS / PSS MB | isolates live | isolate heap MB (host\'s metric) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const s of samples) console.log(`| ${s.phase} | ${s.host.rssMb} / ${s.host.pssMb} | ${s.hostHeapMb ?? '–'} / ${s.hostExternalMb ?? '–'} | ${s.workers.rssMb} / ${s.workers.pssMb} (${s.workerCount}) | ${s.total.rssMb} / ${s.total.pssMb} | ${s.isolatesLive ?? '–'} | ${s.isolateHeapMb ?? '–'} |`);
  console.log(`\n${PLUGINS} idle plugins add ${added.rssMb} MB RSS (${added.pssMb} MB PSS), ${r1((added.pssMb * 1024) / PLUGINS)} KB PSS a plugin. Packing took ${Math.round(packMs)} ms (${PACK_JOBS} CLI processes at a time), upload + enable ${Math.round(enableMs)} ms, the first calls ${Math.round(callMs)} ms.\n`);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'idle-rss',
      node: process.version,
      loadAverage1m: { start: Math.round(loadAtStart * 100) / 100, end: Math.round(loadAtEnd * 100) / 100 },
      plugins: PLUGINS,
      idleSeconds: IDLE_SECONDS,
      samples,
      addedMb: added,
      perPluginKbPss: r1((added.pssMb * 1024) / PLUGINS),
      timingsMs: { pack: Math.round(packMs), uploadAndEnable: Math.round(enableMs), firstCalls: Math.round(callMs) },
      target: { addedMbAtMost: 300, met: added.rssMb <= 300 },
    })}\n`,
  );
} catch (err) {
  if (server) console.error(server.tail().join('\n'));
  throw err;
} finally {
  await server?.stop();
  if (!opts['data-dir']) await rm(root, { recursive: true, force: true });
}
