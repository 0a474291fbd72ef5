/**
 * Bridge round trip of `ctx.kv.get`, through the real supervisor and worker process: plugin
 * code awaits `ctx.kv.get` in a loop, sequentially (one awaits the next) and pipelined (N
 * loops in the same call, so N reads in flight). The supervisor's bridge handler answers from
 * a Map (no SQLite: this is the crossing alone) and stamps each request as it arrives with
 * performance.now(); the gap between two requests of the same loop is one full round trip
 * (supervisor -> worker -> isolate -> plugin code -> isolate -> worker -> supervisor), at
 * microsecond resolution. The plugin also times its own loop with the clock it has (the
 * guest has Date.now, milliseconds, and no `performance`: checked and printed), and the same
 * loop with `await` on a resolved promise instead of the bridge call is the in-isolate
 * baseline. The same plugin in an isolate of this process (PluginIsolate, as the worker builds
 * it) whose bridge answers at once splits the round trip: the isolate crossing alone, without
 * the worker process and the supervisor. The same loops through a sandbox in this process
 * (`EASEL_SANDBOX_MODE=in-process`: the supervisor and the runtime, no worker process) show what
 * the process hop costs. Prints a Markdown table and one JSON line.
 *
 *   ./run node --no-node-snapshot bench/bridge-roundtrip.ts [--calls 5000] [--in-flight 16]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NO_SCRIPT_CACHE } from '@easel/sdk/isolate';
import type { Sandbox, SandboxOptions } from '../host/src/sandbox/index.ts';
import { benchIsolate, benchPlugin, benchSandbox } from './sandbox-kit.ts';

const { values: opts } = parseArgs({ options: { calls: { type: 'string', default: '5000' }, 'in-flight': { type: 'string', default: '16' }, rounds: { type: 'string', default: '3' } } });
const CALLS = Number(opts.calls);
const IN_FLIGHT = Number(opts['in-flight']);
const ROUNDS = Number(opts.rounds);
const BASELINE_LOOPS = 1_000_000;

// The shape `easel pack` produces. `lanes` loops run at once in one call, each awaiting its
// own reads in turn; the key names the lane, so the supervisor can pair a lane's requests.
const SCRIPT = `var __easelPlugin = (() => {
  const clock = typeof performance === 'object' && typeof performance.now === 'function' ? 'performance.now' : 'Date.now';
  const now = clock === 'performance.now' ? () => performance.now() : () => Date.now();
  const lane = async (ctx, key, n) => { for (let i = 0; i < n; i++) await ctx.kv.get(key); };
  return { default: { agents: { bench: { capabilities: {
    reads: async (input, ctx) => {
      const t0 = now();
      const lanes = [];
      for (let j = 0; j < input.lanes; j++) lanes.push(lane(ctx, 'lane' + j, input.perLane));
      await Promise.all(lanes);
      return { ms: now() - t0, clock };
    },
    baseline: async (input) => {
      const t0 = now();
      for (let i = 0; i < input.n; i++) await Promise.resolve(i);
      return { ms: now() - t0, clock };
    },
  } } } } };
})();`;

const dir = mkdtempSync(join(tmpdir(), 'easel-bench-'));
const plugin = benchPlugin(dir, SCRIPT, { memoryMb: 64, cpuMs: 60_000, wallMs: 120_000 });

// Arrival times of the requests, per lane, for the call in progress.
let arrivals = new Map<string, number[]>();
const store = new Map<string, unknown>([['lane0', 'v']]);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Round trips (µs) of one call's lanes: the gaps between a lane's successive requests. */
function gaps(): number[] {
  const out: number[] = [];
  for (const times of arrivals.values()) for (let i = 1; i < times.length; i++) out.push((times[i]! - times[i - 1]!) * 1000);
  return out.sort((a, b) => a - b);
}

const bridge: SandboxOptions['bridge'] = async (_caller, capability, op, args) => {
    const at = performance.now();
    const key = (args as { key: string }).key;
    let lane = arrivals.get(key);
    if (!lane) arrivals.set(key, (lane = []));
    lane.push(at);
    if (capability !== 'kv' || op !== 'get') throw new Error(`unexpected bridge call ${capability}.${op}`);
    return store.get(key) ?? null;
};
const sandbox = await benchSandbox({ bridge, maxPendingBridgeCalls: Math.max(64, IN_FLIGHT), cacheDir: join(dir, 'cache') });
const inProcessSandbox = await benchSandbox({ mode: 'in-process', bridge, maxPendingBridgeCalls: Math.max(64, IN_FLIGHT), cacheDir: join(dir, 'cache-in-process') });

interface Run {
  calls: number;
  /** Wall time of the whole loop as the supervisor saw it (first request to last), per call, µs. */
  meanUs: number;
  p50Us: number;
  p99Us: number;
  /** The plugin's own timing of its loop (ms clock), per call, µs. */
  guestMeanUs: number;
  clock: string;
}

let seq = 0;
async function reads(lanes: number, perLane: number, through: Sandbox = sandbox): Promise<Run> {
  arrivals = new Map();
  const result = await through.invoke({ plugin, kind: 'agent', target: 'bench', capability: 'reads', input: { lanes, perLane }, config: {}, executionId: `bench-${++seq}` });
  const out = result.output as { ms: number; clock: string };
  const all = [...arrivals.values()].flat().sort((a, b) => a - b);
  const calls = lanes * perLane;
  const g = gaps();
  return {
    calls,
    meanUs: round1((((all.at(-1)! - all[0]!) * 1000) / (calls - lanes)) * 1),
    p50Us: round1(quantile(g, 0.5)),
    p99Us: round1(quantile(g, 0.99)),
    guestMeanUs: round1((out.ms * 1000) / calls),
    clock: out.clock,
  };
}

async function baseline(n: number): Promise<{ perLoopUs: number; clock: string }> {
  const result = await sandbox.invoke({ plugin, kind: 'agent', target: 'bench', capability: 'baseline', input: { n }, config: {}, executionId: `bench-${++seq}` });
  const out = result.output as { ms: number; clock: string };
  return { perLoopUs: Math.round(((out.ms * 1000) / n) * 1000) / 1000, clock: out.clock };
}

/** The same loop, the bridge answered at once in this process: the isolate crossing alone. */
async function inProcess(lanes: number, perLane: number): Promise<Run> {
  arrivals = new Map();
  const iso = await benchIsolate(plugin, SCRIPT, {
    cpuMs: 60_000,
    cache: NO_SCRIPT_CACHE,
    guestLimits: { maxPendingBridgeCalls: Math.max(64, IN_FLIGHT) },
    bridge: async (_callId, _capability, _op, argsJson) => {
      const at = performance.now();
      const key = (JSON.parse(argsJson as string) as { key: string }).key;
      let lane = arrivals.get(key);
      if (!lane) arrivals.set(key, (lane = []));
      lane.push(at);
      return '{"ok":true,"value":"v"}';
    },
  });
  const meta = '{"executionId":"bench","plugin":{"name":"bench","version":"1.0.0"},"config":{}}';
  try {
    const envelope = (await iso.dispatch([`in-${++seq}`, 'agent', 'bench', 'reads', JSON.stringify({ lanes, perLane }), meta], [], 60_000)) as string;
    const out = (JSON.parse(envelope) as { value: { ms: number; clock: string } }).value;
    const all = [...arrivals.values()].flat().sort((a, b) => a - b);
    const calls = lanes * perLane;
    const g = gaps();
    return { calls, meanUs: round1(((all.at(-1)! - all[0]!) * 1000) / (calls - lanes)), p50Us: round1(quantile(g, 0.5)), p99Us: round1(quantile(g, 0.99)), guestMeanUs: round1((out.ms * 1000) / calls), clock: out.clock };
  } finally {
    iso.dispose();
  }
}

/** The round with the median p50. */
function median(runs: Run[]): Run {
  return [...runs].sort((a, b) => a.p50Us - b.p50Us)[Math.floor(runs.length / 2)]!;
}

try {
  const load = loadavg()[0]!;
  await sandbox.load(plugin, { agents: { bench: ['reads', 'baseline'] }, workflows: [] });
  await inProcessSandbox.load(plugin, { agents: { bench: ['reads', 'baseline'] }, workflows: [] });
  // Warm-up: the isolate, the worker's and the supervisor's code paths.
  await reads(1, 500);
  await reads(IN_FLIGHT, 100);
  await baseline(BASELINE_LOOPS / 10);
  const sequential: Run[] = [];
  const pipelined: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    sequential.push(await reads(1, CALLS));
    pipelined.push(await reads(IN_FLIGHT, Math.ceil(CALLS / IN_FLIGHT) * 2));
  }
  await reads(1, 500, inProcessSandbox);
  const modeSeq: Run[] = [];
  const modePipe: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    modeSeq.push(await reads(1, CALLS, inProcessSandbox));
    modePipe.push(await reads(IN_FLIGHT, Math.ceil(CALLS / IN_FLIGHT) * 2, inProcessSandbox));
  }
  const base = await baseline(BASELINE_LOOPS);
  await inProcess(1, 500);
  const inSeq: Run[] = [];
  const inPipe: Run[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    inSeq.push(await inProcess(1, CALLS));
    inPipe.push(await inProcess(IN_FLIGHT, Math.ceil(CALLS / IN_FLIGHT) * 2));
  }
  const s = median(sequential);
  const p = median(pipelined);
  const is = median(inSeq);
  const ip = median(inPipe);
  const ms = median(modeSeq);
  const mp = median(modePipe);
  const rows = [
    ['sequential (1 in flight)', s],
    [`pipelined (${IN_FLIGHT} in flight)`, p],
    ['in-process sandbox (`EASEL_SANDBOX_MODE=in-process`), sequential', ms],
    [`in-process sandbox, pipelined (${IN_FLIGHT} in flight)`, mp],
    ['isolate crossing alone (this process, bridge answers at once), sequential', is],
    [`isolate crossing alone, pipelined (${IN_FLIGHT} in flight)`, ip],
  ] as const;
  console.log(`\nctx.kv.get round trip, supervisor + 1 worker process, answered from a Map (median of ${ROUNDS} rounds; load average ${load.toFixed(2)})\n`);
  console.log('| mode | calls | p50 µs (round trip) | p99 µs | µs per call (throughput) | guest\'s own timing, µs per call |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, run] of rows) console.log(`| ${name} | ${run.calls} | ${run.p50Us} | ${run.p99Us} | ${run.meanUs} | ${run.guestMeanUs} |`);
  console.log(`| baseline: the same loop awaiting a resolved promise, in the isolate | ${BASELINE_LOOPS} | – | – | ${base.perLoopUs} | ${base.perLoopUs} |`);
  console.log(`\nguest clock: ${s.clock} (milliseconds; the guest has no performance.now)\n`);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'bridge-roundtrip',
      node: process.version,
      loadAverage1m: Math.round(load * 100) / 100,
      workers: 1,
      inFlight: IN_FLIGHT,
      rounds: ROUNDS,
      guestClock: s.clock,
      sequential: s,
      pipelined: p,
      baselinePerLoopUs: base.perLoopUs,
      inProcessModeSequential: ms,
      inProcessModePipelined: mp,
      isolateCrossingSequential: is,
      isolateCrossingPipelined: ip,
      sequentialAll: sequential.map((r) => r.p50Us),
      pipelinedAll: pipelined.map((r) => r.p50Us),
      target: { sequentialP50Us: 60, met: s.p50Us <= 60, metInProcess: ms.p50Us <= 60 },
    })}\n`,
  );
} finally {
  await sandbox.close();
  await inProcessSandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
