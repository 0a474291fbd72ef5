/**
 * Cold start of a plugin bundle of about 10 KB and about 1 MB, through the real supervisor and
 * worker process: the time from `load()` to the first answer of a call, without the code
 * cache (a script no worker compiled before), with it from disk (a new worker, as after a
 * host restart, reading the HMAC-checked file the first one wrote) and with it in the worker's
 * memory (the same worker, the plugin unloaded and loaded again, as on a disable then enable).
 *
 * The bundles are generated: `modules` functions in the shape a bundler writes (each defines
 * a few inner functions and a table, and runs at load, as scope-hoisted ESM does), inside the
 * IIFE `easel pack` produces; every round gets a script of its own (a different seed), so no
 * round finds another's cache. The sandbox's own counters (cacheProduced, cacheHitsDisk,
 * cacheHitsMemory, cacheRejected*) are printed, to show which path each case took.
 * A second table splits one cold start into its steps, in this process with isolated-vm
 * directly (what PluginIsolate.build and the worker do, minus the guest shim): read and hash
 * the file, create an isolate and context, compile (with or without the cache bytes), run the
 * top-level code. Prints Markdown tables and one JSON line.
 *
 *   ./run node --no-node-snapshot bench/cold-start.ts [--rounds 5]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import ivm from 'isolated-vm';
import { benchSandbox } from './sandbox-kit.ts';
import type { Sandbox, SandboxPlugin, SandboxStats } from '../host/src/sandbox/index.ts';

const { values: opts } = parseArgs({ options: { rounds: { type: 'string', default: '5' } } });
const ROUNDS = Number(opts.rounds);
const SIZES = [
  { name: '10 KB', bytes: 10 * 1024 },
  { name: '1 MB', bytes: 1024 * 1024 },
];

/** One bundler-style module: a few inner functions (compiled lazily, when called) and a table. */
function moduleText(i: number, seed: string): string {
  return `  // module ${i} (${seed})
  function init_m${i}() {
    const NAME = "m${i}-${seed}";
    const table${i} = { id: ${i}, name: NAME, tags: ["a${i % 7}", "b${i % 11}", "c${i % 13}"], weight: ${(i * 37) % 101} };
    function format${i}(value, options) {
      const parts = [];
      for (const key of Object.keys(value)) parts.push(key + "=" + String(value[key]));
      if (options && options.upper) return parts.join("&").toUpperCase();
      return parts.join("&") + "#" + table${i}.name;
    }
    function score${i}(text) {
      let h = ${i};
      for (let k = 0; k < text.length; k++) h = (h * 31 + text.charCodeAt(k)) | 0;
      return (h >>> 0) % (table${i}.weight + 1);
    }
    function pick${i}(list, n) {
      const out = [];
      for (let k = 0; k < list.length && out.length < n; k++) if (score${i}(String(list[k])) % 2 === 0) out.push(list[k]);
      return out;
    }
    return { table: table${i}, format: format${i}, score: score${i}, pick: pick${i} };
  }
  const m${i} = init_m${i}();
`;
}

function bundle(targetBytes: number, seed: string): string {
  const head = `var __easelPlugin = (() => {\n`;
  const tail = `  return { default: { agents: { bench: { capabilities: {
    hello: (input) => ({ n: input.n, a: m0.format({ n: input.n }), b: m${'LAST'}.score("x" + input.n) }),
  } } } } };
})();
`;
  let body = '';
  let i = 0;
  while (head.length + body.length + tail.length < targetBytes) body += moduleText(i++, seed);
  return head + body + tail.replace('LAST', String(i - 1));
}

const dir = mkdtempSync(join(tmpdir(), 'easel-bench-'));
const cacheDir = join(dir, 'cache');
const cacheKey = randomBytes(32);

function start(): Promise<Sandbox> {
  return benchSandbox({ cacheDir, cacheKey });
}

interface Script {
  size: string;
  bytes: number;
  plugin: SandboxPlugin;
}

function makeScript(size: { name: string; bytes: number }, round: number): Script {
  const text = bundle(size.bytes, `${size.bytes}-${round}-${randomBytes(4).toString('hex')}`);
  const scriptPath = join(dir, `plugin-${size.bytes}-${round}.js`);
  writeFileSync(scriptPath, text);
  const sha = createHash('sha256').update(text).digest('hex');
  return {
    size: size.name,
    bytes: Buffer.byteLength(text),
    plugin: { id: `cold${size.bytes}-${round}@1.0.0#${sha.slice(0, 8)}`, name: `cold${size.bytes}`, version: '1.0.0', scriptPath, scriptSha256: sha, limits: { memoryMb: 128, cpuMs: 10_000, wallMs: 20_000 } },
  };
}

interface Timing {
  loadMs: number;
  firstCallMs: number;
  totalMs: number;
}

let seq = 0;
/** load() then the first call; ms from before load() to the first answer. */
async function coldStart(sandbox: Sandbox, plugin: SandboxPlugin): Promise<Timing> {
  const t0 = performance.now();
  await sandbox.load(plugin, { agents: { bench: ['hello'] }, workflows: [] });
  const t1 = performance.now();
  const r = await sandbox.invoke({ plugin, kind: 'agent', target: 'bench', capability: 'hello', input: { n: 7 }, config: {}, executionId: `cold-${++seq}` });
  const t2 = performance.now();
  if ((r.output as { n?: unknown }).n !== 7) throw new Error(`unexpected answer ${JSON.stringify(r.output)}`);
  return { loadMs: t1 - t0, firstCallMs: t2 - t1, totalMs: t2 - t0 };
}

/** One warm call of an already loaded plugin: what a call costs once nothing is cold. */
async function warmCall(sandbox: Sandbox, plugin: SandboxPlugin): Promise<number> {
  const t0 = performance.now();
  await sandbox.invoke({ plugin, kind: 'agent', target: 'bench', capability: 'hello', input: { n: 7 }, config: {}, executionId: `warm-${++seq}` });
  return performance.now() - t0;
}

const CACHE_COUNTERS = ['cacheProduced', 'cacheHitsMemory', 'cacheHitsDisk', 'cacheRejectedHmac', 'cacheRejectedV8'] as const;
function counters(s: SandboxStats | undefined): Record<string, number> {
  return Object.fromEntries(CACHE_COUNTERS.map((k) => [k, s?.[k] ?? 0]));
}

function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
const r2 = (x: number) => Math.round(x * 100) / 100;

/** The steps of one cold start, ms, measured here with isolated-vm (no worker, no shim). */
async function steps(s: Script, cached: Buffer | undefined): Promise<{ readHashMs: number; isolateMs: number; compileMs: number; runMs: number; cacheBytes: number; produced: Buffer | undefined }> {
  const t0 = performance.now();
  const text = readFileSync(s.plugin.scriptPath, 'utf8');
  createHash('sha256').update(text).digest('hex');
  const t1 = performance.now();
  const isolate = new ivm.Isolate({ memoryLimit: 128 });
  const context = await isolate.createContext();
  const t2 = performance.now();
  const script = cached
    ? await isolate.compileScript(text, { cachedData: new ivm.ExternalCopy(new Uint8Array(cached).buffer), filename: 'plugin:bench' })
    : await isolate.compileScript(text, { produceCachedData: true, filename: 'plugin:bench' });
  const t3 = performance.now();
  await script.run(context, { timeout: 10_000 });
  const t4 = performance.now();
  const c = script as ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer>; cachedDataRejected?: boolean };
  if (cached && c.cachedDataRejected === true) throw new Error('V8 rejected the cache');
  const produced = c.cachedData ? Buffer.from(c.cachedData.copy()) : undefined;
  isolate.dispose();
  return { readHashMs: t1 - t0, isolateMs: t2 - t1, compileMs: t3 - t2, runMs: t4 - t3, cacheBytes: (cached ?? produced)?.length ?? 0, produced };
}

type Case = 'noCache' | 'diskCache' | 'memoryCache';
const results: Record<string, Record<Case, Timing[]> & { warmMs: number[]; bytes: number }> = {};
const counts: Record<string, Record<string, number>> = {};

try {
  const load = loadavg()[0]!;
  const scripts = SIZES.flatMap((size) => Array.from({ length: ROUNDS }, (_, r) => makeScript(size, r)));
  // A throwaway plugin first, so the worker's own code paths are warm before any figure.
  const warmUp = makeScript({ name: 'warm-up', bytes: 10 * 1024 }, 999);

  // First worker: every script is new to it (no cache: it compiles and writes the cache),
  // then unloaded and loaded again (its cache is in this worker's memory).
  let sandbox = await start();
  await coldStart(sandbox, warmUp.plugin);
  for (const s of scripts) {
    const entry = (results[s.size] ??= { noCache: [], diskCache: [], memoryCache: [], warmMs: [], bytes: s.bytes });
    entry.noCache.push(await coldStart(sandbox, s.plugin));
    entry.warmMs.push(await warmCall(sandbox, s.plugin));
  }
  counts.afterNoCache = counters(await sandbox.stats?.());
  for (const s of scripts) {
    await sandbox.unload(s.plugin.id);
    results[s.size]!.memoryCache.push(await coldStart(sandbox, s.plugin));
  }
  counts.afterMemoryCache = counters(await sandbox.stats?.());
  await sandbox.close();

  // A new worker, as after a host restart: the cache comes from the files the first one wrote.
  sandbox = await start();
  await coldStart(sandbox, warmUp.plugin);
  for (const s of scripts) results[s.size]!.diskCache.push(await coldStart(sandbox, s.plugin));
  counts.afterDiskCache = counters(await sandbox.stats?.());
  await sandbox.close();

  const table = Object.entries(results).map(([size, e]) => ({
    size,
    bytes: e.bytes,
    warmCallMs: r2(med(e.warmMs)),
    ...Object.fromEntries(
      (['noCache', 'diskCache', 'memoryCache'] as const).map((c) => [c, { totalMs: r2(med(e[c].map((t) => t.totalMs))), loadMs: r2(med(e[c].map((t) => t.loadMs))), firstCallMs: r2(med(e[c].map((t) => t.firstCallMs))) }]),
    ),
  })) as Array<{ size: string; bytes: number; warmCallMs: number } & Record<Case, { totalMs: number; loadMs: number; firstCallMs: number }>>;

  console.log(`\nCold start, load() to the first answer, supervisor + 1 worker process (median of ${ROUNDS} scripts each; load average ${load.toFixed(2)})\n`);
  console.log('| bundle | no code cache, ms (load + first call) | cache from disk (new worker), ms | cache in the worker\'s memory, ms | a warm call, ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of table) {
    const cell = (c: Case) => `${row[c].totalMs} (${row[c].loadMs} + ${row[c].firstCallMs})`;
    console.log(`| ${row.size} (${row.bytes.toLocaleString('en')} bytes) | ${cell('noCache')} | ${cell('diskCache')} | ${cell('memoryCache')} | ${row.warmCallMs} |`);
  }
  console.log(`\ncode cache counters (cumulative per worker, the warm-up plugin included): ${JSON.stringify(counts)}\n`);
  const breakdown: Record<string, unknown>[] = [];
  for (const size of SIZES) {
    const runs: { noCache: Awaited<ReturnType<typeof steps>>[]; cache: Awaited<ReturnType<typeof steps>>[] } = { noCache: [], cache: [] };
    for (const s of scripts.filter((x) => x.size === size.name)) {
      const first = await steps(s, undefined);
      runs.noCache.push(first);
      runs.cache.push(await steps(s, first.produced));
    }
    for (const [name, list] of Object.entries(runs)) {
      breakdown.push({
        size: size.name,
        cache: name === 'cache',
        readHashMs: r2(med(list.map((x) => x.readHashMs))),
        isolateMs: r2(med(list.map((x) => x.isolateMs))),
        compileMs: r2(med(list.map((x) => x.compileMs))),
        runMs: r2(med(list.map((x) => x.runMs))),
        cacheBytes: med(list.map((x) => x.cacheBytes)),
      });
    }
  }
  console.log('Where it goes, in this process with isolated-vm directly (no worker, no guest shim), median ms:\n');
  console.log('| bundle | code cache | read + sha256 | isolate + context | compile | run top-level code | cache size, bytes |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const b of breakdown) console.log(`| ${b.size} | ${b.cache ? 'given' : 'produced'} | ${b.readHashMs} | ${b.isolateMs} | ${b.compileMs} | ${b.runMs} | ${b.cacheBytes} |`);
  console.log('');
  const oneMb = table.find((t) => t.size === '1 MB')!;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'cold-start',
      node: process.version,
      loadAverage1m: Math.round(load * 100) / 100,
      rounds: ROUNDS,
      results: table,
      counters: counts,
      breakdown,
      target: { oneMbWithCacheMs: 5, diskCacheMs: oneMb.diskCache.totalMs, memoryCacheMs: oneMb.memoryCache.totalMs, met: oneMb.diskCache.totalMs <= 5 },
    })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
