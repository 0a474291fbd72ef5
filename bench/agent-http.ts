/**
 * Agent execution over HTTP, against a baseline measured in the same run: a bare Fastify
 * route that answers the same JSON without a sandbox, store or validation. Prints one JSON
 * line. Run: `./run node --no-node-snapshot bench/agent-http.ts [seconds] [concurrency]`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { buildHost, loadConfig } from '../host/src/index.ts';

const seconds = Number(process.argv[2] ?? 5);
const concurrency = Number(process.argv[3] ?? 32);
const ADMIN = 'bench-admin-token-0123456789abcdef';

async function load(url: string, init: RequestInit): Promise<{ rps: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const res = await fetch(url, init);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`status ${res.status}`);
      latencies.push(performance.now() - t);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.floor(q * (latencies.length - 1))] ?? 0).toFixed(3));
  return { rps: Math.round(latencies.length / elapsed), p50: at(0.5), p99: at(0.99) };
}

const body = JSON.stringify({ name: 'Ada' });

const baseline = Fastify();
baseline.post('/greet', async (req) => ({ message: `Hello, ${(req.body as { name: string }).name}!` }));
const baseUrl = await baseline.listen({ host: '127.0.0.1', port: 0 });

const dataDir = await mkdtemp(join(tmpdir(), 'easel-bench-'));
const host = await buildHost(loadConfig({}, { dataDir, port: 0, adminToken: ADMIN, logLevel: 'silent', firstPartyPlugins: true, keys: { requestsPerMinute: 0, maxConcurrentExecutions: 0 } }));
const hostUrl = await host.app.listen({ host: '127.0.0.1', port: 0 });
const created = await fetch(`${hostUrl}/v1/keys`, {
  method: 'POST',
  headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  body: JSON.stringify({ role: 'app', label: 'bench' }),
});
const appKey = ((await created.json()) as { key: string }).key;

const headers = { 'content-type': 'application/json' };
// Warm up both (JIT, isolate creation, prepared statements).
await load(`${baseUrl}/greet`, { method: 'POST', headers, body });
const fastifyOnly = await load(`${baseUrl}/greet`, { method: 'POST', headers, body });
const agent = await load(`${hostUrl}/v1/agents/hello/greeter/greet`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${appKey}` }, body });

await host.app.close();
await baseline.close();
await rm(dataDir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({
    bench: 'agent-http',
    seconds,
    concurrency,
    baselineFastifyRps: fastifyOnly.rps,
    agentRps: agent.rps,
    agentVsBaseline: Number((agent.rps / fastifyOnly.rps).toFixed(3)),
    agentLatencyMs: { p50: agent.p50, p99: agent.p99 },
    baselineLatencyMs: { p50: fastifyOnly.p50, p99: fastifyOnly.p99 },
  })}\n`,
);
