/**
 * One soak run: starts the emulator and the host as child processes, installs the plugins,
 * drives the three lanes of traffic (apps, a hostile tenant, the admin) for the time asked,
 * samples host and worker memory all along, then checks what must hold after it (no plugin
 * quarantined, every plugin answers, nothing left running) and reports.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from './client.ts';
import { record, sleep, type Kind, type Lane, type Soak } from './kinds.ts';
import { MemorySampler } from './memory.ts';
import { startEmulator, startHostChild, type HostChild } from './processes.ts';
import { Recorder } from './record.ts';
import { Rng } from './rng.ts';
import { appKey, install } from './setup.ts';
import { ADMIN_KINDS } from './traffic-admin.ts';
import { APP_KINDS } from './traffic-apps.ts';
import { HOSTILE_KINDS } from './traffic-hostile.ts';

export const ALL_KINDS: Kind[] = [...APP_KINDS, ...HOSTILE_KINDS, ...ADMIN_KINDS];

export interface SoakOptions {
  seconds: number;
  seed: number;
  /** Concurrent well-behaved clients. */
  apps: number;
  /** Concurrent hostile clients. */
  hostile: number;
  /** EASEL_SANDBOX_WORKERS. */
  workers: number;
  /** Kinds left out, by name or by a prefix ending in '.' or '*'. */
  skip: string[];
  /** When not empty, only these kinds (names or prefixes as for skip), less those skipped. */
  only: string[];
  /** The end-of-run RSS over the end-of-warm-up RSS, for host and workers, may be at most this. */
  rssRatioBound: number;
  /** Latency the emulator adds to every model call (a real model is slower than the emulator). */
  modelLatencyMs: number;
}

const ADMIN_TOKEN = 'soak-admin-token-0123456789abcdef';
/** The gauge of live isolates the soak reads from /metrics (the sandbox's own count, summed over its workers). */
const ISOLATES_GAUGE = 'easel_sandbox_isolates_live';
/** App keys the app clients share out (client i uses key i mod APP_KEYS). */
const APP_KEYS = 4;
const MiB = 1024 * 1024;

export function selectKinds(skip: string[], only: string[] = []): Kind[] {
  const matches = (patterns: string[], name: string) => patterns.some((p) => (p.endsWith('*') || p.endsWith('.') ? name.startsWith(p.replace(/\*$/, '')) : name === p));
  const unknown = [...skip, ...only].filter((p) => !ALL_KINDS.some((k) => matches([p], k.name)));
  if (unknown.length > 0) throw new Error(`--skip or --only names no traffic kind: ${unknown.join(', ')}`);
  return ALL_KINDS.filter((k) => (only.length === 0 || matches(only, k.name)) && !matches(skip, k.name));
}

/**
 * Warm-up: the first half of the run, at most 60 s (a fresh host's RSS climbs for about its first
 * minute of traffic: JIT, caches, isolate heaps). The RSS windows: the last 10 % of warm-up and
 * of the run, 5 to 30 s.
 */
function windows(seconds: number): { warmup: number; window: number } {
  const warmup = Math.min(60, Math.max(5, Math.round(seconds / 2)));
  return { warmup, window: Math.min(30, Math.max(5, Math.round(seconds / 10))) };
}

async function lane(s: Soak, host: HostChild, kinds: Kind[], key: string, rng: Rng, pause: () => number): Promise<void> {
  if (kinds.length === 0) return;
  while (performance.now() < s.endsAt && host.alive()) {
    const kind = rng.weighted(kinds);
    try {
      await kind.run(s, rng, key);
    } catch (err) {
      s.rec.add(kind.name, 'unexpected', { status: 0, code: 'HARNESS_ERROR', message: String((err as Error)?.stack ?? err), ms: 0 });
    }
    const ms = pause();
    if (ms > 0) await sleep(ms);
  }
}

/** After the traffic: what must hold on a host that took it. */
async function finalChecks(s: Soak): Promise<{ quarantined: string[]; pluginsActive?: number; restartsByReason?: Record<string, number>; readyz: unknown }> {
  const plugins = await call(s.url, 'GET', '/v1/plugins', { key: s.keys.admin });
  record(s, 'final.plugins', plugins);
  const quarantined = ((plugins.body?.plugins ?? []) as { name: string; enabled: boolean; quarantine?: unknown }[]).filter((p) => p.quarantine).map((p) => p.name);
  for (const name of quarantined) s.rec.add('final.quarantine', 'unexpected', { status: 200, code: 'QUARANTINED', message: `${name} is quarantined`, ms: 0 });
  for (const name of s.installed.names) {
    const p = (plugins.body?.plugins ?? []).find((x: { name: string }) => x.name === name);
    if (!p?.enabled) s.rec.add('final.plugins', 'unexpected', { status: 200, code: 'NOT_ENABLED', message: `${name} is not enabled after the soak`, ms: 0 });
  }
  // Each kind of plugin still answers.
  record(s, 'final.call', await call(s.url, 'POST', '/v1/agents/hello/greeter/greet', { key: s.keys.app, body: { name: 'after' } }));
  record(s, 'final.call', await call(s.url, 'POST', '/v1/agents/soak-steady/steady/work', { key: s.keys.app, body: { ms: 0 } }));
  record(s, 'final.call', await call(s.url, 'POST', '/v1/agents/soak-hostile/attack/echo', { key: s.keys.other, body: {} }));
  record(s, 'final.call', await call(s.url, 'POST', '/v1/workflows/story-pack/executions?wait=true', { key: s.keys.app, body: { topic: 'after the soak' } }));
  // Nothing left running: every execution the soak started has ended (a hung-up agent call was cancelled).
  const deadline = performance.now() + 30_000;
  for (;;) {
    const running = await call(s.url, 'GET', '/v1/executions?status=running&limit=100', { key: s.keys.admin });
    const queued = await call(s.url, 'GET', '/v1/executions?status=queued&limit=100', { key: s.keys.admin });
    const left = [...(running.body?.items ?? []), ...(queued.body?.items ?? [])] as { id: string; target: string; pluginName: string; startedAt: string }[];
    if (left.length === 0) break;
    if (performance.now() > deadline) {
      for (const e of left.slice(0, 5)) s.rec.add('final.executions', 'unexpected', { status: 200, code: 'STUCK_RUNNING', message: `${e.pluginName}/${e.target} ${e.id} since ${e.startedAt}`, ms: 0 });
      break;
    }
    await sleep(250);
  }
  const readyz = await call(s.url, 'GET', '/readyz', { key: s.keys.admin });
  record(s, 'final.readyz', readyz);
  const metrics = await call(s.url, 'GET', '/metrics', { key: s.keys.admin });
  const text = typeof metrics.body === 'string' ? metrics.body : '';
  const active = /^easel_plugins_active (\d+)/m.exec(text);
  // Worker replacements as the host counted them, by reason (the pids seen from outside say how many, not why).
  const restartsByReason = Object.fromEntries([...text.matchAll(/^easel_sandbox_worker_restarts_total\{reason="([a-z-]+)"\} (\d+)/gm)].map((m) => [m[1]!, Number(m[2])]));
  return { quarantined, pluginsActive: active ? Number(active[1]) : undefined, restartsByReason, readyz: readyz.body };
}

const mb = (bytes: number | undefined) => (bytes === undefined ? null : Math.round(bytes / MiB));
const ratio = (end: number | undefined, start: number | undefined) => (end === undefined || !start ? null : Number((end / start).toFixed(3)));

export async function runSoak(options: SoakOptions): Promise<{ report: Record<string, unknown>; pass: boolean }> {
  const kinds = selectKinds(options.skip, options.only);
  const base = await mkdtemp(join(tmpdir(), 'easel-soak-'));
  const home = join(base, 'home');
  await mkdir(home);
  const env = { PATH: process.env.PATH, HOME: home };
  const emulator = await startEmulator(env, 'soak-emulator-control-token').catch(async (err: unknown) => {
    await rm(base, { recursive: true, force: true });
    throw err;
  });
  let host: HostChild | undefined;
  try {
    if (options.modelLatencyMs > 0) await emulator.fault({ modelId: '*', latencyMs: options.modelLatencyMs, count: null });
    host = await startHostChild({
      ...env,
      EASEL_DATA_DIR: join(base, 'data'),
      EASEL_HOST: '127.0.0.1',
      EASEL_PORT: '0',
      EASEL_ADMIN_TOKEN: ADMIN_TOKEN,
      EASEL_LOG_LEVEL: 'warn',
      EASEL_FIRST_PARTY_PLUGINS: 'false',
      EASEL_SANDBOX_WORKERS: String(options.workers),
      EASEL_BEDROCK_MODE: 'emulator',
      EASEL_BEDROCK_ENDPOINT: emulator.url,
      // The semantic cache serves only requests that ask for it (soak-steady's near-miss probe).
      EASEL_MODELS_SEMANTIC_CACHE: 'true',
    });
    const installed = await install(host.url, ADMIN_TOKEN);
    const rec = new Recorder();
    // Several apps, each client one of them: a single app key would meet its own per-key limits first.
    const appKeys: string[] = [];
    for (let i = 0; i < Math.min(options.apps, APP_KEYS); i++) appKeys.push(await appKey(host.url, ADMIN_TOKEN, `soak-app-${i}`));
    const s: Soak = {
      url: host.url,
      keys: { admin: ADMIN_TOKEN, app: appKeys[0]!, other: await appKey(host.url, ADMIN_TOKEN, 'soak-hostile-tenant') },
      rec,
      installed,
      steadyVersion: '1.0.0',
      steadyDisabled: [],
      adminLog: [],
      posts: new Map(),
      endsAt: performance.now() + options.seconds * 1000,
    };
    const { warmup, window } = windows(options.seconds);
    rec.begin();
    const sampler = new MemorySampler(host.pid, performance.now());
    sampler.start(500);
    // The host's own V8 heap, from its metrics: RSS that grows while the heap in use does not is not a leak of JS objects.
    const heap: { at: number; used: number; external: number; isolates: number }[] = [];
    const heapTimer = setInterval(() => {
      void call(s.url, 'GET', '/metrics', { key: ADMIN_TOKEN, timeoutMs: 10_000 }).then((m) => {
        const text = typeof m.body === 'string' ? m.body : '';
        const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1]);
        const used = gauge('easel_nodejs_heap_size_used_bytes');
        if (Number.isFinite(used)) heap.push({ at: rec.now(), used, external: gauge('easel_nodejs_external_memory_bytes'), isolates: gauge(ISOLATES_GAUGE) });
      });
    }, 2000).unref();
    const of = (l: Lane) => kinds.filter((k) => k.lane === l);
    const lanes: Promise<void>[] = [];
    for (let i = 0; i < options.apps; i++) lanes.push(lane(s, host, of('app'), appKeys[i % appKeys.length]!, new Rng(options.seed + 1000 + i), () => 0));
    for (let i = 0; i < options.hostile; i++) lanes.push(lane(s, host, of('hostile'), s.keys.other, new Rng(options.seed + 2000 + i), () => 0));
    const adminRng = new Rng(options.seed + 3000);
    lanes.push(lane(s, host, of('admin'), ADMIN_TOKEN, adminRng, () => adminRng.int(300, 1500)));
    await Promise.all(lanes);
    const ended = rec.now();
    sampler.sample();
    sampler.stop();
    clearInterval(heapTimer);

    const alive = host.alive();
    const final = alive ? await finalChecks(s) : { quarantined: [], readyz: undefined };
    if (!alive) rec.add('host', 'unexpected', { status: 0, code: 'HOST_EXITED', message: host.tail().slice(-20).join('\n'), ms: 0 });
    const restarts = Math.max(0, sampler.workerPids.size - options.workers);
    if (restarts > 0) rec.add('sandbox', 'unexpected', { status: 0, code: 'WORKER_RESTARTED', message: `${restarts} sandbox worker(s) died and were replaced`, ms: 0 });
    for (const [msg, n] of Object.entries(host.logs.error)) rec.add('host.log', 'unexpected', { status: 0, code: 'ERROR_LOGGED', message: `${n}× ${msg}`, ms: 0 });

    const atWarmup = sampler.medianBetween(warmup - window, warmup);
    const atEnd = sampler.medianBetween(options.seconds - window, Infinity);
    const hostRatio = ratio(atEnd?.host, atWarmup?.host);
    const workerRatio = ratio(atEnd?.workers, atWarmup?.workers);
    const peak = (key: 'host' | 'workers' | 'largestWorker') => mb(Math.max(...sampler.samples.map((x) => x[key])));
    const medianOf = (from: number, to: number, key: 'used' | 'external' | 'isolates') => {
      const values = heap.filter((h) => h.at >= from && h.at < to && Number.isFinite(h[key])).map((h) => h[key]).sort((a, b) => a - b);
      return values.length > 0 ? (values[Math.floor((values.length - 1) / 2)] as number) : undefined;
    };
    const heapBetween = (from: number, to: number, key: 'used' | 'external') => mb(medianOf(from, to, key));
    const unexpectedTotal = Object.values(rec.unexpected).reduce((a, b) => a + b, 0);
    const failures: string[] = [];
    if (unexpectedTotal > 0) failures.push(`${unexpectedTotal} unexpected answer(s)`);
    if (hostRatio === null || hostRatio > options.rssRatioBound) failures.push(`host RSS grew ${hostRatio}× after warm-up (bound ${options.rssRatioBound}×)`);
    if (workerRatio === null || workerRatio > options.rssRatioBound) failures.push(`worker RSS grew ${workerRatio}× after warm-up (bound ${options.rssRatioBound}×)`);
    const report = {
      soak: 'easel',
      seconds: options.seconds,
      ranSeconds: Number(ended.toFixed(1)),
      seed: options.seed,
      clients: { apps: options.apps, appKeys: appKeys.length, hostile: options.hostile, admin: 1 },
      workers: options.workers,
      modelLatencyMs: options.modelLatencyMs,
      skipped: options.skip,
      ...(options.only.length > 0 ? { only: options.only } : {}),
      requests: rec.requests,
      ok: rec.ok,
      limits: rec.limits,
      unexpected: rec.unexpected,
      unexpectedSamples: rec.samples,
      latencyMs: rec.latency(),
      rssMb: {
        warmupEndsAt: warmup,
        window,
        bound: options.rssRatioBound,
        host: {
          warmup: mb(atWarmup?.host),
          end: mb(atEnd?.host),
          ratio: hostRatio,
          peak: peak('host'),
          heapUsed: { warmup: heapBetween(warmup - window, warmup, 'used'), end: heapBetween(options.seconds - window, Infinity, 'used') },
          external: { warmup: heapBetween(warmup - window, warmup, 'external'), end: heapBetween(options.seconds - window, Infinity, 'external') },
        },
        workers: { warmup: mb(atWarmup?.workers), end: mb(atEnd?.workers), ratio: workerRatio, peak: peak('workers'), largestPeak: peak('largestWorker') },
        byWorker: [...new Set([...(atWarmup?.byWorker.keys() ?? []), ...(atEnd?.byWorker.keys() ?? [])])].map((pid) => ({ pid, warmup: mb(atWarmup?.byWorker.get(pid)), end: mb(atEnd?.byWorker.get(pid)) })),
        workersAddressSpace: { warmup: mb(atWarmup?.workersVm), end: mb(atEnd?.workersVm) },
        timeline: sampler.timeline(12),
      },
      sandbox: { workerPidsSeen: sampler.workerPids.size, restarts, restartsByReason: final.restartsByReason ?? null, readyz: final.readyz },
      // The host's easel_sandbox_isolates_live gauge; null only when no scrape in the window answered.
      isolatesAlive: { warmup: medianOf(warmup - window, warmup, 'isolates') ?? null, end: medianOf(options.seconds - window, Infinity, 'isolates') ?? null },
      pluginsActive: final.pluginsActive ?? null,
      quarantined: final.quarantined,
      hostLog: host.logs,
      pass: failures.length === 0,
      failures,
    };
    return { report, pass: failures.length === 0 };
  } finally {
    await host?.stop();
    await emulator.stop();
    await rm(base, { recursive: true, force: true });
  }
}
