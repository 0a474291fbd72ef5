/**
 * Easel against its peers: the same tiny handler (parse `{keyword, style, n}`, build a prompt,
 * answer JSON) on every target, each its own server process on 127.0.0.1, loaded by autocannon in
 * a process of its own; prints req/s, p50/p99, the ratios to bare Fastify and to workerd from the
 * same run, and the server's CPU time per request (its process, and its children: Easel's
 * sandbox workers). A Markdown table, then one JSON line.
 *
 * Every target is started (and checked to answer what the handler answers) before any load; then
 * each connection count is measured on every target in turn, so the points compared in a ratio
 * are taken within a minute of each other. With `--rounds N` the whole sequence runs N times and
 * each point is the round with the median req/s (a shared machine's neighbours come and go).
 *
 *   ./run node --no-node-snapshot bench/peers.ts [--seconds 8] [--warmup 3] [--rounds 1]
 *       [--connections 1,10,50] [--only fastify,workerd,vm,quickjs,easel,easel-in-process,easel-postgres] [--data-dir /dev/shm]
 *
 * `--data-dir` is where the targets' folders go (Easel's SQLite files among them; default the
 * system's temp folder): on a tmpfs an fsync costs nothing, which tells the host's waits on the
 * disk from its CPU.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { handle, INPUT } from './peers/handler.ts';
import { runLoad } from './peers/load.ts';
import { describeMachine, table, type Row } from './peers/report.ts';
import { askOnce, NOT_RUN, TARGETS, type Running, type Target } from './peers/targets.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '1' },
    connections: { type: 'string', default: '1,10,50' },
    only: { type: 'string' },
    'data-dir': { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const connections = values.connections.split(',').map(Number);
if (!(seconds > 0) || !(warmup >= 0) || !Number.isInteger(rounds) || rounds < 1 || connections.some((c) => !Number.isInteger(c) || c < 1)) {
  throw new Error('--seconds must be > 0, --warmup >= 0, --rounds a positive integer, --connections a list of positive integers');
}
const only = values.only?.split(',');
const unknown = only?.filter((id) => !TARGETS.some((t) => t.id === id)) ?? [];
if (unknown.length > 0) throw new Error(`--only names no target: ${unknown.join(', ')} (targets: ${TARGETS.map((t) => t.id).join(', ')})`);

const body = JSON.stringify(INPUT);
const expected = handle(INPUT);
const log = (line: string) => process.stderr.write(`  ${line}\n`);

async function measure(target: Target, running: Running, c: number, s: number): Promise<Row> {
  const before = running.server.cpuSeconds();
  const result = await runLoad({ url: running.url, connections: c, seconds: s, body, headers: running.headers });
  const after = running.server.cpuSeconds();
  const perRequest = (key: 'total' | 'children') => (before && after && result.ok > 0 ? Math.round(((after[key] - before[key]) * 1e6) / result.ok) : undefined);
  return { target: target.id, label: target.label, ...result, cpuUsPerRequest: perRequest('total'), childCpuUsPerRequest: perRequest('children') };
}

function medianByRps(samples: Row[]): Row {
  return [...samples].sort((a, b) => a.rps - b.rps)[Math.floor(samples.length / 2)] as Row;
}

const loadAtStart = Math.round((loadavg()[0] ?? 0) * 100) / 100;
const skipped: { label: string; why: string }[] = [...NOT_RUN];
const running = new Map<Target, Running>();
const samples = new Map<string, Row[]>();
const base = await mkdtemp(join(values['data-dir'] ?? tmpdir(), 'easel-bench-peers-'));
try {
  for (const target of TARGETS.filter((t) => !only || only.includes(t.id))) {
    const why = target.unavailable();
    if (why) {
      log(`${target.id}: skipped: ${why}`);
      skipped.push({ label: target.label, why });
      continue;
    }
    let started: Running | undefined;
    try {
      started = await target.start(await mkdtemp(join(base, `${target.id}-`)));
      // The target must answer what the handler answers, or its figures mean nothing.
      const answer = await askOnce(started, INPUT);
      if (!isDeepStrictEqual(answer, expected)) throw new Error(`it answered ${JSON.stringify(answer)}, not ${JSON.stringify(expected)}`);
      running.set(target, started);
    } catch (err) {
      log(`${target.id}: FAILED: ${(err as Error).message}`);
      skipped.push({ label: target.label, why: `failed: ${(err as Error).message.split('\n')[0]}` });
      process.exitCode = 1;
      await started?.server.stop();
    }
  }
  if (warmup > 0) for (const [target, r] of running) await measure(target, r, Math.max(...connections), warmup);
  for (let round = 1; round <= rounds; round++) {
    for (const c of connections) {
      for (const [target, r] of running) {
        const row = await measure(target, r, c, seconds);
        const key = `${target.id}/${c}`;
        samples.set(key, [...(samples.get(key) ?? []), row]);
        log(`round ${round} ${target.id} c=${c}: ${row.rps} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms${row.failed > 0 ? `, ${row.failed} FAILED` : ''}`);
      }
    }
  }
} finally {
  for (const r of running.values()) await r.server.stop();
  await rm(base, { recursive: true, force: true });
}

const rows = [...running.keys()].flatMap((t) => connections.map((c) => medianByRps(samples.get(`${t.id}/${c}`) ?? [])).filter(Boolean));
const machine = describeMachine(loadAtStart);
process.stdout.write(`${table(rows, skipped, { seconds, rounds, machine })}\n`);
process.stdout.write(`${JSON.stringify({ bench: 'peers', seconds, warmup, rounds, machine, rows, skipped })}\n`);
