/**
 * Three replicas as `./run cluster` starts them (scripts/cluster/): real host processes on one
 * PostgreSQL and one S3-compatible server, a load balancer in front, and one Bedrock emulator
 * whose call log spans them all. An install on one is runnable on the others; a budget hit from
 * all three at once is never exceeded; a replica SIGKILLed in the middle of a three-step
 * workflow has it resumed by another once its lease (EASEL_REPLICA_LEASE_MS) runs out, its
 * finished steps not called again, while a client following it on a third sees the stream
 * through; a cancel sent to one stops a run another owns.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import { startCluster, type Cluster, type Replica } from '../../scripts/cluster/cluster.ts';
import { readEvents } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';

const LEASE_MS = 2000;
let emulator: StartedEmulator;
let cluster: Cluster;
let appKey: string;
let appId: string;

async function call(base: string, method: string, path: string, options: { key?: string; body?: unknown; raw?: Buffer } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.key ?? cluster.adminToken}` };
  let body: string | Buffer | undefined;
  if (options.raw) {
    body = options.raw;
    headers['content-type'] = 'application/gzip';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers, body });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** `probe` until `ok`, or `ms` passed (a harness budget). */
async function within<T>(ms: number, probe: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const value = await probe();
    if (ok(value) || performance.now() > end) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Follows an execution's stream on `base` to its end: the events' seq, type and data. */
async function follow(base: string, id: string): Promise<{ seq: number; type: string; data: any }[]> {
  return (await readEvents({ url: base }, id, { key: appKey, timeoutMs: 90_000 })).map((e) => ({ seq: e.id, type: e.event, data: e.data }));
}

const replica = (i: number): Replica => cluster.replicas[i] as Replica;

beforeAll(async () => {
  emulator = await startEmulator();
  cluster = await startCluster({
    replicas: 3,
    firstPartyPlugins: false,
    env: {
      EASEL_BEDROCK_MODE: 'emulator',
      EASEL_BEDROCK_ENDPOINT: emulator.url,
      EASEL_MODELS_CACHE: 'false',
      EASEL_REPLICA_LEASE_MS: String(LEASE_MS),
      EASEL_KEY_REQUESTS_PER_MINUTE: '0',
      EASEL_KEY_MAX_CONCURRENT_EXECUTIONS: '0',
    },
  });
  const { tarball } = await packWithCli('test/fixtures/plugins/durable-flow');
  // Installed through the balancer, on whichever replica it picks.
  expect((await call(cluster.url, 'POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await call(cluster.url, 'POST', '/v1/plugins/durable-flow/enable', { body: { grant: 'requested' } })).status).toBe(200);
  const created = await call(cluster.url, 'POST', '/v1/keys', { body: { role: 'app', label: 'cluster' } });
  appKey = created.body.key;
  appId = created.body.appId;
}, 240_000);
afterAll(async () => {
  await cluster?.stop();
  await emulator?.close();
});

test('an install through the balancer runs on every replica', async () => {
  for (const i of [0, 1, 2]) {
    const res = await within(10_000, () => call(replica(i).url, 'POST', '/v1/agents/durable-flow/writer/write', { key: appKey, body: { step: 1, topic: `on-${i}` } }), (r) => r.status === 200);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(typeof res.body.output.text).toBe('string');
  }
});

test('a budget hit from all three replicas at once is never exceeded', { timeout: 120_000 }, async () => {
  await emulator.control.reset();
  const budgeted = await call(cluster.url, 'POST', '/v1/keys', { body: { role: 'app', label: 'budgeted' } });
  // Priced after the first call: the budget is about four calls' worth.
  const probe = await call(replica(0).url, 'POST', '/v1/agents/durable-flow/writer/write', { key: budgeted.body.key, body: { step: 1, topic: 'price' } });
  expect(probe.status).toBe(200);
  const perCall = (await call(cluster.url, 'GET', `/v1/executions/${probe.body.executionId}`)).body.costUsd as number;
  expect(perCall).toBeGreaterThan(0);
  const limit = perCall * 5;
  expect((await call(cluster.url, 'PUT', `/v1/apps/${budgeted.body.appId}/budget`, { body: { monthlyUsd: limit } })).status).toBe(200);
  const answers = await Promise.all(
    Array.from({ length: 24 }, (_, i) => call(replica(i % 3).url, 'POST', '/v1/agents/durable-flow/writer/write', { key: budgeted.body.key, body: { step: 1 + (i % 3), topic: `budget-${i}` } })),
  );
  const refused = answers.filter((a) => a.status !== 200);
  expect(refused.length).toBeGreaterThan(0);
  for (const a of refused) expect(a.body.code).toBe('BUDGET_EXCEEDED');
  const status = (await call(cluster.url, 'GET', `/v1/apps/${budgeted.body.appId}/budget`)).body;
  expect(status.spentUsd + status.reservedUsd).toBeLessThanOrEqual(limit + 1e-9);
});

test('a replica SIGKILLed mid-workflow: another resumes it once its lease runs out, finished steps not called again, a client on a third follows it through', { timeout: 180_000 }, async () => {
  await emulator.control.reset();
  await emulator.control.fault({ modelId: '*', latencyMs: 1500, count: Infinity });
  const topic = `kill-${randomUUID().slice(0, 8)}`;
  const started = await call(replica(0).url, 'POST', '/v1/workflows/three-steps/executions?wait=false', { key: appKey, body: { topic } });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  const id: string = started.body.executionId;
  const followed = follow(replica(2).url, id);
  await within(30_000, async () => (await call(replica(1).url, 'GET', `/v1/executions/${id}`)).body, (e) => (e?.steps ?? []).filter((s: { status: string }) => s.status === 'succeeded').length >= 1);
  await replica(0).kill('SIGKILL');
  const killedAt = performance.now();
  const final = await within(60_000, async () => (await call(replica(1).url, 'GET', `/v1/executions/${id}`)).body, (e) => ['succeeded', 'failed', 'cancelled'].includes(e?.status));
  expect(final).toMatchObject({ id, status: 'succeeded', resumed: 1 });
  // Taken over once the dead replica's lease ran out (plus a takeover pass and its remaining steps).
  expect(performance.now() - killedAt).toBeGreaterThan(LEASE_MS);
  const prompts = (await emulator.control.calls()).map((c) => c.prompt);
  expect(prompts.filter((p) => p === `step-1 ${topic}`)).toHaveLength(1);
  const events = await followed;
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  expect(events.at(-1)?.data).toMatchObject({ status: 'succeeded' });
  await cluster.restart(0);
});

test('a cancel sent to one replica stops a run another owns', { timeout: 120_000 }, async () => {
  await emulator.control.reset();
  await emulator.control.fault({ modelId: '*', latencyMs: 1500, count: Infinity });
  const topic = `cancel-${randomUUID().slice(0, 8)}`;
  const started = await call(replica(2).url, 'POST', '/v1/workflows/three-steps/executions?wait=false', { key: appKey, body: { topic } });
  expect(started.status).toBe(202);
  const id: string = started.body.executionId;
  await within(30_000, async () => (await call(replica(1).url, 'GET', `/v1/executions/${id}`)).body, (e) => (e?.steps ?? []).some((s: { status: string }) => s.status === 'succeeded'));
  const cancelled = await call(replica(1).url, 'POST', `/v1/executions/${id}/cancel`, { key: appKey });
  expect(cancelled.body).toMatchObject({ id, status: 'cancelled' });
  await new Promise((r) => setTimeout(r, 2000));
  expect((await emulator.control.calls()).map((c) => c.prompt).filter((p) => p === `step-3 ${topic}`)).toHaveLength(0);
  expect(appId).toBeTruthy();
});
