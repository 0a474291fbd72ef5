/**
 * `npm run soak`: mixed traffic against a real host (a child process) for a set time, then one
 * JSON line: requests, answers that met a limit (by code), unexpected answers (by kind and
 * code, with samples), p50/p99 per kind, host and sandbox worker RSS at the end of warm-up and
 * at the end, and what must hold afterwards. Exits 1 when an answer was unexpected or RSS grew
 * past the bound; 2 on bad arguments.
 *
 *   ./run node --no-node-snapshot bench/soak/main.ts [--seconds 300] [--seed 14] [--apps 8]
 *     [--hostile 2] [--workers 2] [--rss-ratio 1.5] [--model-latency-ms 100] [--skip kind,prefix.*] [--only kind,prefix.*]
 *
 * Kinds: `--list` prints them. Not part of `npm run bench` (it lives in a folder of its own).
 */
import { parseArgs } from 'node:util';
import { ALL_KINDS, runSoak, type SoakOptions } from './soak.ts';

/** Past this growth of resident memory after warm-up, the host or its workers are not flat. */
export const DEFAULT_RSS_RATIO_BOUND = 1.5;

function options(argv: string[]): SoakOptions | 'list' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      seconds: { type: 'string', default: '300' },
      seed: { type: 'string', default: '14' },
      apps: { type: 'string', default: '8' },
      hostile: { type: 'string', default: '2' },
      workers: { type: 'string', default: '2' },
      'rss-ratio': { type: 'string', default: String(DEFAULT_RSS_RATIO_BOUND) },
      'model-latency-ms': { type: 'string', default: '100' },
      skip: { type: 'string', default: '' },
      only: { type: 'string', default: '' },
      list: { type: 'boolean', default: false },
    },
  });
  if (values.list) return 'list';
  const num = (name: keyof typeof values, min: number) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number of at least ${min}, not "${String(values[name])}"`);
    return n;
  };
  return {
    seconds: num('seconds', 10),
    seed: num('seed', 0),
    apps: num('apps', 1),
    hostile: num('hostile', 0),
    workers: num('workers', 1),
    rssRatioBound: num('rss-ratio', 1),
    modelLatencyMs: num('model-latency-ms', 0),
    skip: values.skip.split(',').map((s) => s.trim()).filter(Boolean),
    only: values.only.split(',').map((s) => s.trim()).filter(Boolean),
  };
}

let parsed: SoakOptions | 'list';
try {
  parsed = options(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`soak: ${(err as Error).message}\n`);
  process.exit(2);
}
if (parsed === 'list') {
  for (const k of ALL_KINDS) process.stdout.write(`${k.lane}\t${k.name}\tweight ${k.weight}\n`);
} else {
  try {
    const { report, pass } = await runSoak(parsed);
    process.stdout.write(`${JSON.stringify(report)}\n`);
    process.exitCode = pass ? 0 : 1;
  } catch (err) {
    // The host or the emulator did not start, or the plugins did not install: no traffic ran.
    process.stderr.write(`soak: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
