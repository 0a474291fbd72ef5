/** The peer bench's Markdown: the machine, one row per target and connection count, the ratios, and issue 16's targets. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import type { LoadResult } from './load.ts';

export interface Row extends LoadResult {
  target: string;
  label: string;
  /** Server CPU time (its process and its children) per 2xx response, µs. */
  cpuUsPerRequest: number | undefined;
  /** The part of it spent in the server's child processes (Easel's sandbox workers), µs. */
  childCpuUsPerRequest: number | undefined;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  autocannon: string;
  /** The 1-minute load average when the run started and when it ended (other work on a shared machine skews every figure). */
  load: [number, number];
}

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(new URL(import.meta.resolve(`${pkg}/package.json`)), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The machine, given the load average read when the run started. */
export function describeMachine(loadAtStart: number): Machine {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    autocannon: version('autocannon'),
    load: [loadAtStart, Math.round((loadavg()[0] ?? 0) * 100) / 100],
  };
}

const ratio = (a: number, b: number | undefined): string => (b ? `${(a / b).toFixed(2)}×` : '–');

/** The issue's targets for Easel at the highest connection count of the run, each with its figure. */
function targets(rows: Row[]): string[] {
  const top = Math.max(...rows.map((r) => r.connections));
  const at = (id: string) => rows.find((r) => r.target === id && r.connections === top);
  const easel = at('easel');
  const fastify = at('fastify');
  const workerd = at('workerd');
  if (!easel) return ['Easel did not run: no target can be judged.'];
  const line = (what: string, value: number | undefined, bound: number, atMost: boolean) =>
    value === undefined ? `- ${what}: not measured (its reference did not run)` : `- ${what}: ${value.toFixed(2)}× (target ${atMost ? '≤' : '≥'} ${bound.toFixed(2)}×): ${(atMost ? value <= bound : value >= bound) ? 'met' : 'MISSED'}`;
  const inProcess = at('easel-in-process');
  return [
    `Issue 16's targets for Easel (sandbox worker processes) at ${top} connections:`,
    line('req/s vs bare Fastify', fastify && easel.rps / fastify.rps, 0.4, false),
    line('req/s vs workerd', workerd && easel.rps / workerd.rps, 0.5, false),
    line('p99 vs workerd p99', workerd && easel.p99 / workerd.p99, 2, true),
    ...(inProcess ? [line('in-process mode, req/s vs bare Fastify', fastify && inProcess.rps / fastify.rps, 0.6, false)] : []),
  ];
}

export function table(rows: Row[], skipped: { label: string; why: string }[], run: { seconds: number; rounds: number; machine: Machine }): string {
  const m = run.machine;
  const out = [
    `${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb} GB, Node ${m.node}, autocannon ${m.autocannon}; load average ${m.load[0]} at the start, ${m.load[1]} at the end; ${run.seconds} s per point after a warm-up${run.rounds > 1 ? `, the round with the median req/s of ${run.rounds}` : ''}.`,
    '',
    '| target | conns | req/s | p50 / p99 ms | × Fastify | × workerd | p99 × workerd | server CPU µs/req (in children) | failed |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const fastify = rows.find((x) => x.target === 'fastify' && x.connections === r.connections);
    const workerd = rows.find((x) => x.target === 'workerd' && x.connections === r.connections);
    out.push(
      `| ${r.label} | ${r.connections} | ${r.rps.toLocaleString('en-US')} | ${r.p50} / ${r.p99} | ${ratio(r.rps, fastify?.rps)} | ${ratio(r.rps, workerd?.rps)} | ${ratio(r.p99, workerd?.p99)} | ${r.cpuUsPerRequest ?? '–'}${r.childCpuUsPerRequest ? ` (${r.childCpuUsPerRequest})` : ''} | ${r.failed} |`,
    );
  }
  out.push('');
  for (const s of skipped) out.push(`Not run: ${s.label}: ${s.why}.`);
  if (skipped.length > 0) out.push('');
  out.push(...targets(rows));
  return out.join('\n');
}
