/**
 * What a workflow step costs against a direct agent call, both measured in the same run on
 * one host: an app calling a no-model agent (`POST /v1/agents/...`), and the same agent
 * called N times in a row from a workflow with `ctx.agents.invoke` (each call a journaled
 * step: call rules, schema checks, a step row, two events). The workflow's own cost (an
 * execution with no steps) is measured too and taken off, so the per-step figure is the step
 * alone. Prints one JSON line; ratios are against the direct call.
 *
 *   ./run node --no-node-snapshot bench/workflow-steps.ts [steps-per-workflow] [workflows]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHost, loadConfig } from '../host/src/index.ts';
import { packWithCli } from '../test/helpers/pack.ts';

const STEPS = Number(process.argv[2] ?? 100);
const WORKFLOWS = Number(process.argv[3] ?? 10);
/** Direct calls: as many as the workflows make in all, so both sides run about as long. */
const DIRECT = STEPS * WORKFLOWS;
const WARMUP = 50;
const ADMIN = 'bench-admin-token-0123456789abcdef';

const dataDir = await mkdtemp(join(tmpdir(), 'easel-bench-'));
const host = await buildHost(
  loadConfig({}, { dataDir, port: 0, adminToken: ADMIN, logLevel: 'silent', firstPartyPlugins: false, keys: { requestsPerMinute: 0, maxConcurrentExecutions: 0 }, models: { bedrock: { mode: 'emulator' } } }),
);
const url = await host.app.listen({ host: '127.0.0.1', port: 0 });

async function call(method: string, path: string, key: string, body?: unknown, raw?: Buffer): Promise<any> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (raw) headers['content-type'] = 'application/gzip';
  else if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

const { tarball } = await packWithCli('test/fixtures/plugins/queue-steps');
await call('POST', '/v1/plugins/upload', ADMIN, undefined, tarball);
await call('POST', '/v1/plugins/queue-steps/enable', ADMIN, { grant: 'requested' });
const appKey: string = (await call('POST', '/v1/keys', ADMIN, { role: 'app', label: 'bench' })).key;

const direct = (n: number) => call('POST', '/v1/agents/queue-steps/counter/bump', appKey, { n });
const workflow = async (steps: number) => {
  const out = await call('POST', '/v1/workflows/chain/executions?wait=true', appKey, { steps });
  if (out.output.n !== steps) throw new Error(`the workflow answered ${JSON.stringify(out)}`);
};

/** Mean and median wall time of `count` sequential runs of `one`, in µs. */
async function time(count: number, one: (i: number) => Promise<unknown>): Promise<{ meanUs: number; p50Us: number }> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await one(i);
    samples.push((performance.now() - t) * 1000);
  }
  samples.sort((a, b) => a - b);
  return { meanUs: samples.reduce((a, b) => a + b, 0) / count, p50Us: samples[Math.floor((count - 1) / 2)] ?? 0 };
}

// Warm up every path (JIT, isolate creation, prepared statements, validators).
await time(WARMUP, direct);
await time(3, () => workflow(STEPS));
await time(3, () => workflow(0));

const started = performance.now();
const directCall = await time(DIRECT, direct);
const empty = await time(WORKFLOWS, () => workflow(0));
const chained = await time(WORKFLOWS, () => workflow(STEPS));
const seconds = (performance.now() - started) / 1000;

await host.app.close();
await rm(dataDir, { recursive: true, force: true });

const stepUs = (chained.meanUs - empty.meanUs) / STEPS;
const us = (n: number) => Math.round(n * 10) / 10;
const ratio = (n: number) => Number((n / directCall.meanUs).toFixed(3));
process.stdout.write(
  `${JSON.stringify({
    bench: 'workflow-steps',
    seconds: Number(seconds.toFixed(2)),
    stepsPerWorkflow: STEPS,
    workflows: WORKFLOWS,
    directCalls: DIRECT,
    directCallUs: { mean: us(directCall.meanUs), p50: us(directCall.p50Us) },
    emptyWorkflowUs: { mean: us(empty.meanUs), p50: us(empty.p50Us) },
    workflowStepUs: us(stepUs),
    stepVsDirectCall: ratio(stepUs),
    emptyWorkflowVsDirectCall: ratio(empty.meanUs),
    workflowOfStepsVsDirectCalls: Number((chained.meanUs / (STEPS * directCall.meanUs)).toFixed(3)),
  })}\n`,
);
