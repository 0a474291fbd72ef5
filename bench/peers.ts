/**
 * Easel against its peers: the same tiny handler (parse `{keyword, style, n}`, build a prompt,
 * answer JSON) on every target, each its own server process on 127.0.0.1, loaded by autocannon in
 * a process of its own at each connection count; prints req/s, p50/p99, the ratios to bare
 * Fastify and to workerd from the same run, and the server's CPU time per request (its process
 * and its children). A Markdown table, then one JSON line.
 *
 *   ./run node --no-node-snapshot bench/peers.ts [--seconds 8] [--warmup 3] [--connections 1,10,50] [--only fastify,workerd,vm,quickjs,easel]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { handle, INPUT } from './peers/handler.ts';
import { runLoad, type LoadResult } from './peers/load.ts';
import { describeMachine, table, type Row } from './peers/report.ts';
import { askOnce, NOT_RUN, TARGETS, type Running, type Target } from './peers/targets.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '1,10,50' },
    only: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const connections = values.connections.split(',').map(Number);
if (!(seconds > 0) || !(warmup >= 0) || connections.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--seconds must be > 0, --warmup >= 0, --connections a list of positive integers');
const only = values.only?.split(',');
const unknown = only?.filter((id) => !TARGETS.some((t) => t.id === id)) ?? [];
if (unknown.length > 0) throw new Error(`--only names no target: ${unknown.join(', ')} (targets: ${TARGETS.map((t) => t.id).join(', ')})`);

const body = JSON.stringify(INPUT);
const expected = handle(INPUT);

/** One request: the target must answer what the handler answers, or its figures mean nothing. */
async function check(target: Target, running: Running): Promise<void> {
  const answer = await askOnce(running, INPUT);
  if (!isDeepStrictEqual(answer, expected)) throw new Error(`${target.id} answered ${JSON.stringify(answer)}, not ${JSON.stringify(expected)}`);
}

async function measure(target: Target, dir: string): Promise<Row[]> {
  const running = await target.start(dir);
  try {
    await check(target, running);
    const load = (c: number, s: number): Promise<LoadResult> => runLoad({ url: running.url, connections: c, seconds: s, body, headers: running.headers });
    if (warmup > 0) await load(Math.max(...connections), warmup);
    const rows: Row[] = [];
    for (const c of connections) {
      const before = running.server.cpuSeconds();
      const result = await load(c, seconds);
      const after = running.server.cpuSeconds();
      const cpuUsPerRequest = before !== undefined && after !== undefined && result.ok > 0 ? Math.round(((after - before) * 1e6) / result.ok) : undefined;
      rows.push({ target: target.id, label: target.label, ...result, cpuUsPerRequest });
      process.stderr.write(`  ${target.id} c=${c}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${result.failed > 0 ? `, ${result.failed} FAILED` : ''}\n`);
    }
    return rows;
  } finally {
    await running.server.stop();
  }
}

const rows: Row[] = [];
const skipped: { label: string; why: string }[] = [...NOT_RUN];
const base = await mkdtemp(join(tmpdir(), 'easel-bench-peers-'));
try {
  for (const target of TARGETS.filter((t) => !only || only.includes(t.id))) {
    const why = target.unavailable();
    if (why) {
      process.stderr.write(`  ${target.id}: skipped: ${why}\n`);
      skipped.push({ label: target.label, why });
      continue;
    }
    const dir = await mkdtemp(join(base, `${target.id}-`));
    try {
      rows.push(...(await measure(target, dir)));
    } catch (err) {
      process.stderr.write(`  ${target.id}: FAILED: ${(err as Error).message}\n`);
      skipped.push({ label: target.label, why: `failed: ${(err as Error).message.split('\n')[0]}` });
      process.exitCode = 1;
    }
  }
} finally {
  await rm(base, { recursive: true, force: true });
}

const machine = describeMachine();
process.stdout.write(`${table(rows, skipped, { seconds, machine })}\n`);
process.stdout.write(`${JSON.stringify({ bench: 'peers', seconds, warmup, machine, rows, skipped })}\n`);
