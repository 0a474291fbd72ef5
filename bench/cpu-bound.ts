/**
 * CPU-bound plugin code, the same source in each engine: sort 1e6 numbers (an array with a
 * comparator, as plugin code writes it) and a JSON transform of 1 MB (parse, map, stringify).
 * Engines: an isolated-vm isolate (what Easel runs plugins in, here without the worker process
 * around it: the code's own speed), `node:vm` (no isolation), quickjs-emscripten, and the
 * function in Node's own realm for reference. The data is made inside each engine (a seeded
 * xorshift), so only compute is timed; each engine must return the same checksum. The median of
 * runs after one warm-up run: at least `--runs`, and more until `--seconds` of runs per engine
 * and task (a 10 ms task's median of 5 moves with the neighbours' load on a shared machine).
 * Prints a Markdown table, then one JSON line.
 *
 *   ./run node --no-node-snapshot bench/cpu-bound.ts [--runs 3] [--seconds 3]
 */
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import vm from 'node:vm';
import ivm from 'isolated-vm';
import { getQuickJS } from 'quickjs-emscripten';

const WORKLOADS = `
function random(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}
function sortNumbers() {
  const next = random(12345);
  const a = new Array(1000000);
  for (let i = 0; i < a.length; i++) a[i] = next();
  a.sort((p, q) => p - q);
  return Math.round((a[0] + a[250000] + a[500000] + a[999999]) * 1e9);
}
const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa'];
const DATA = (() => {
  const next = random(777);
  const rows = [];
  let size = 2;
  while (size < 1048576) {
    const row = { id: rows.length, name: words[Math.floor(next() * 10)] + ' ' + words[Math.floor(next() * 10)], tags: [words[Math.floor(next() * 10)], words[Math.floor(next() * 10)], 'x'], score: next() * 1000, active: next() < 0.5 };
    size += JSON.stringify(row).length + 1;
    rows.push(row);
  }
  return JSON.stringify(rows);
})();
function transformJson() {
  const rows = JSON.parse(DATA);
  const out = rows.filter((r) => r.active).map((r) => ({ id: r.id, name: r.name.toUpperCase(), tags: r.tags.filter((t) => t.length > 3).sort(), score: Math.round(r.score * 100) / 100 }));
  const text = JSON.stringify({ count: out.length, rows: out });
  return text.length * 1000 + (DATA.length % 1000);
}
`;

const TASKS = ['sortNumbers', 'transformJson'] as const;
type Task = (typeof TASKS)[number];
/** Runs one task once; answers its checksum. */
type Engine = { id: string; label: string; run(task: Task): number; close(): void };

function inNode(): Engine {
  const fns = new Function(`${WORKLOADS}; return { sortNumbers, transformJson };`)() as Record<Task, () => number>;
  return { id: 'node', label: "Node's own realm (no sandbox)", run: (task) => fns[task](), close() {} };
}

function inVm(): Engine {
  const context = vm.createContext({});
  vm.runInContext(WORKLOADS, context);
  return { id: 'vm', label: 'node:vm (no isolation)', run: (task) => vm.runInContext(`${task}()`, context) as number, close() {} };
}

function inIsolate(): Engine {
  const isolate = new ivm.Isolate({ memoryLimit: 512 });
  const context = isolate.createContextSync();
  isolate.compileScriptSync(WORKLOADS).runSync(context);
  return { id: 'isolate', label: 'isolated-vm isolate (what Easel runs)', run: (task) => context.evalSync(`${task}()`) as number, close: () => isolate.dispose() };
}

async function inQuickJs(): Promise<Engine> {
  const quickjs = await getQuickJS();
  const context = quickjs.newContext();
  context.unwrapResult(context.evalCode(WORKLOADS)).dispose();
  return {
    id: 'quickjs',
    label: 'quickjs-emscripten',
    run(task) {
      const handle = context.unwrapResult(context.evalCode(`${task}()`));
      try {
        return context.getNumber(handle);
      } finally {
        handle.dispose();
      }
    },
    close: () => context.dispose(),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
const seconds = Number(values.seconds);
if (!(runs >= 1) || !(seconds >= 0)) throw new Error('--runs must be at least 1 and --seconds at least 0');

const results: { engine: string; label: string; task: Task; ms: number; runs: number; checksum: number }[] = [];
for (const make of [inNode, inVm, inIsolate, inQuickJs]) {
  const engine = await make();
  try {
    for (const task of TASKS) {
      const checksum = engine.run(task);
      const times: number[] = [];
      const until = performance.now() + seconds * 1000;
      while (times.length < runs || performance.now() < until) {
        const start = performance.now();
        if (engine.run(task) !== checksum) throw new Error(`${engine.id} ${task}: the checksum changed between runs`);
        times.push(performance.now() - start);
      }
      results.push({ engine: engine.id, label: engine.label, task, ms: Math.round(median(times) * 10) / 10, runs: times.length, checksum });
      process.stderr.write(`  ${engine.id} ${task}: ${median(times).toFixed(1)} ms (median of ${times.length})\n`);
    }
  } finally {
    engine.close();
  }
}

for (const task of TASKS) {
  const sums = new Set(results.filter((r) => r.task === task).map((r) => r.checksum));
  if (sums.size !== 1) throw new Error(`${task}: the engines disagree on the result (${[...sums].join(', ')})`);
}

const ms = (engine: string, task: Task) => results.find((r) => r.engine === engine && r.task === task)?.ms as number;
const lines = [
  `${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, isolated-vm ${(createRequire(import.meta.url)('isolated-vm/package.json') as { version: string }).version}; median of at least ${runs} runs and ${seconds} s of runs per cell, after a warm-up run.`,
  '',
  '| engine | sort 1e6 numbers, ms | JSON transform of 1 MB, ms |',
  '|---|---:|---:|',
  ...[...new Set(results.map((r) => r.engine))].map((e) => `| ${results.find((r) => r.engine === e)?.label} | ${ms(e, 'sortNumbers')} | ${ms(e, 'transformJson')} |`),
  '',
  "Issue 16's targets for the isolate:",
  ...TASKS.map((task) => {
    const vsQuickJs = ms('quickjs', task) / ms('isolate', task);
    const vsVm = ms('isolate', task) / ms('vm', task);
    return `- ${task}: ${vsQuickJs.toFixed(1)}× faster than quickjs (target ≥ 10×: ${vsQuickJs >= 10 ? 'met' : 'MISSED'}); ${vsVm.toFixed(2)}× node:vm's time (target ≤ 1.20×: ${vsVm <= 1.2 ? 'met' : 'MISSED'})`;
  }),
];
process.stdout.write(`${lines.join('\n')}\n`);
process.stdout.write(`${JSON.stringify({ bench: 'cpu-bound', runs, seconds, results })}\n`);
