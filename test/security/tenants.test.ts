/**
 * Apps are tenants. Two apps on one host: A (made with POST /v1/apps, two keys) and B (a key
 * made the old way, with an app of its own). B must not read A's usage, budgets, executions,
 * event streams, blobs or plugin data, nor cancel A's executions: every such answer is the one
 * a thing that does not exist gets. B must not spend under A's users: the same user id under
 * two apps is two people with two budgets. A's two keys share what belongs to A; an admin sees
 * both apps. An app's budget holds across its users and keys under concurrency. And a database
 * written before apps existed opens with every app key in an app of its own.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@easel/common/sqlite/open-database';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MIGRATIONS } from '../../host/src/store/sqlite/migrations.ts';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';
import { emulatorOf, waitFor } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';

const MICRO = 'apac.amazon.nova-micro-v1:0';
const OFF = { available: false, unavailableReason: 'off for this test' };
const MONTH = () => new Date().toISOString().slice(0, 7);

let host: RunningHost;
let control: EmulatorControl;
let overrides: string;
/** App A: made with POST /v1/apps, two keys. App B: one key made without an app. */
const A = { id: '', keys: [] as string[] };
const B = { id: '', key: '' };

beforeAll(async () => {
  // One basic text model at prices a test can count with; the others off, so no call falls back.
  overrides = await mkdtemp(join(tmpdir(), 'easel-tenants-'));
  const file = join(overrides, 'models.json');
  await writeFile(
    file,
    JSON.stringify({
      models: {
        [MICRO]: { prices: { inputPer1k: 0.01, outputPer1k: 0.01 } },
        'apac.amazon.nova-lite-v1:0': OFF,
        'anthropic.claude-3-haiku-20240307-v1:0': OFF,
        'apac.anthropic.claude-3-haiku-20240307-v1:0': OFF,
      },
    }),
  );
  host = await startHost({ models: { overridesFile: file } } as never);
  control = emulatorOf(host);
  const grants: Record<string, unknown> = {
    'model-user': { models: { tasks: ['text'], maxTier: 'basic' } },
    'storage-user': { storage: { read: true, write: true } },
    'bytes-caller': 'requested',
    'bytes-source': 'requested',
  };
  for (const name of ['model-user', 'storage-user', 'bytes-source', 'bytes-caller']) {
    const { tarball } = await packWithCli(`test/fixtures/plugins/${name}`);
    expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
    expect((await host.call('POST', `/v1/plugins/${name}/enable`, { body: { grant: grants[name] } })).status).toBe(200);
  }
  const made = await host.call('POST', '/v1/apps', { body: { name: 'App A' } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  A.id = made.body.id;
  for (const label of ['a web', 'a ios']) {
    const key = await host.call('POST', '/v1/keys', { body: { role: 'app', label, app: A.id } });
    expect(key.body).toMatchObject({ role: 'app', appId: A.id });
    A.keys.push(key.body.key);
  }
  const b = await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'b' } });
  B.id = b.body.appId;
  B.key = b.body.key;
}, 120_000);
afterAll(async () => {
  await host?.close();
  if (overrides) await rm(overrides, { recursive: true, force: true });
});

const as = (key: string, user?: string) => ({ key, headers: user === undefined ? undefined : { 'x-easel-user': user } });
const text = (key: string, user: string | undefined, prompt: string) =>
  host.call('POST', '/v1/agents/model-user/writer/text', { ...as(key, user), body: { prompt, maxTokens: 40, cache: false } });
const statsOf = async (key: string, user: string, query = '') => host.call('GET', `/v1/models/usage/${encodeURIComponent(user)}/stats${query}`, { key });

/** A foreign thing answers exactly as a missing one: the same status, code and body but for the id it names. */
function sameAsMissing(foreign: { status: number; body: any }, missing: { status: number; body: any }, ids: [string, string]): void {
  const masked = (res: { body: any }, id: string) => ({ ...res.body, message: String(res.body?.message).replace(id, '<id>') });
  expect(foreign.status).toBe(missing.status);
  expect(masked(foreign, ids[0])).toEqual(masked(missing, ids[1]));
}

describe('the model cache stays inside the app', () => {
  test("an exact repeat is served from the cache within the app, never across apps (no cached flag, no zero cost telling B that A asked)", async () => {
    const prompt = `cache probe ${randomUUID()}`;
    const ask = (key: string) => host.call('POST', '/v1/agents/model-user/writer/text', { ...as(key, 'cache-user'), body: { prompt, maxTokens: 20 } });
    const first = await ask(A.keys[0]!);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.output.cached).toBe(false);
    // A's other key: the same app, the same plugin: served from the cache.
    expect((await ask(A.keys[1]!)).body.output).toMatchObject({ cached: 'exact', cost: 0 });
    const other = await ask(B.key);
    expect(other.body.output.cached).toBe(false);
    expect(other.body.output.cost).toBeGreaterThan(0);
  });
});

describe('reads by user stay inside the app', () => {
  test("usage stats: B names A's key user, or A's user ids, and sees only its own (empty) namespace; naming app A is APP_NOT_FOUND", async () => {
    const [a1, a2] = A.keys as [string, string];
    const a1Id = (await host.call('GET', `/v1/apps/${A.id}`)).body.keys[0].id as string;
    expect((await text(a1, 'alice', 'usage of alice')).status).toBe(200);
    expect((await text(a1, undefined, 'usage of the key user')).status).toBe(200);

    // The attack of the issue: B asks for the default user of another app's key.
    const byKeyUser = await statsOf(B.key, `key:${a1Id}`);
    expect(byKeyUser.status).toBe(200);
    expect(byKeyUser.body).toMatchObject({ appId: B.id, calls: 0, costUsd: 0, byPlugin: [], budget: { appId: B.id, spentUsd: 0 } });
    expect(byKeyUser.body.budget).not.toHaveProperty('monthlyUsd');
    expect((await statsOf(B.key, 'alice')).body).toMatchObject({ appId: B.id, calls: 0, costUsd: 0 });
    // Naming A's app answers as an app that does not exist.
    const named = await statsOf(B.key, 'alice', `?app=${A.id}`);
    const nowhere = await statsOf(B.key, 'alice', '?app=no-such-app');
    expect(named.body.code).toBe('APP_NOT_FOUND');
    sameAsMissing(named, nowhere, [A.id, 'no-such-app']);

    // A's keys share A's users; an admin names the app.
    for (const key of [a1, a2]) expect((await statsOf(key, 'alice')).body).toMatchObject({ appId: A.id, userId: 'alice', calls: 1 });
    expect((await statsOf(a2, `key:${a1Id}`)).body.calls).toBe(1);
    expect((await statsOf(ADMIN_TOKEN, 'alice', `?app=${A.id}`)).body).toMatchObject({ appId: A.id, calls: 1 });
    expect((await statsOf(ADMIN_TOKEN, 'alice', `?app=${B.id}`)).body).toMatchObject({ appId: B.id, calls: 0 });
  });

  test("budgets: B cannot read or set A's, at either scope; A's keys read A's; an admin sets and reads both", async () => {
    expect((await host.call('PUT', `/v1/apps/${A.id}/budget`, { body: { monthlyUsd: 500 } })).status).toBe(200);
    expect((await host.call('PUT', `/v1/apps/${A.id}/users/alice/budget`, { body: { monthlyUsd: 50 } })).status).toBe(200);
    for (const path of ['budget', 'users/alice/budget']) {
      const foreign = await host.call('GET', `/v1/apps/${A.id}/${path}`, { key: B.key });
      const missing = await host.call('GET', `/v1/apps/no-such-app/${path}`, { key: B.key });
      expect(foreign.body.code).toBe('APP_NOT_FOUND');
      sameAsMissing(foreign, missing, [A.id, 'no-such-app']);
      // Setting and removing are the admin's.
      for (const method of ['PUT', 'DELETE']) {
        const res = await host.call(method, `/v1/apps/${A.id}/${path}`, { key: B.key, body: method === 'PUT' ? { monthlyUsd: 1_000_000 } : undefined });
        expect([res.status, res.body.code]).toEqual([403, 'FORBIDDEN']);
      }
      for (const key of A.keys) expect((await host.call('GET', `/v1/apps/${A.id}/${path}`, { key })).status).toBe(200);
    }
    // Nothing B did changed A's budgets.
    expect((await host.call('GET', `/v1/apps/${A.id}/budget`)).body).toMatchObject({ scope: 'app', monthlyUsd: 500 });
    expect((await host.call('GET', `/v1/apps/${A.id}/users/alice/budget`, { key: A.keys[1] })).body).toMatchObject({ scope: 'user', userId: 'alice', monthlyUsd: 50 });
    // B's own app is readable by B; the list of apps and their keys is the admin's.
    expect((await host.call('GET', `/v1/apps/${B.id}/budget`, { key: B.key })).body).toMatchObject({ appId: B.id });
    expect((await host.call('GET', '/v1/apps', { key: B.key })).status).toBe(403);
    expect((await host.call('GET', `/v1/apps/${A.id}`, { key: B.key })).status).toBe(403);
    const listed = (await host.call('GET', '/v1/apps')).body.apps.map((a: { id: string }) => a.id);
    expect(listed).toEqual(expect.arrayContaining([A.id, B.id]));
    await host.call('DELETE', `/v1/apps/${A.id}/budget`);
    await host.call('DELETE', `/v1/apps/${A.id}/users/alice/budget`);
  });

  test("executions, their events and cancel: B gets A's as unknown ids and cannot cancel them; A's other key and an admin can", async () => {
    const [a1, a2] = A.keys as [string, string];
    // A slow model call keeps A's execution running while B tries.
    await control.fault({ modelId: MICRO, latencyMs: 30_000, count: 1 });
    const pending = text(a1, 'alice', 'a slow one');
    const running = await waitFor('A to have a running execution', async () => {
      const list = await host.call('GET', '/v1/executions?status=running&agent=writer', { key: a2 });
      return list.body.items[0] as { id: string } | undefined;
    });
    const ghost = randomUUID();
    for (const [method, path] of [['GET', ''], ['POST', '/cancel'], ['GET', '/events']] as const) {
      const foreign = await host.call(method, `/v1/executions/${running.id}${path}`, { key: B.key });
      const missing = await host.call(method, `/v1/executions/${ghost}${path}`, { key: B.key });
      expect([foreign.status, foreign.body.code]).toEqual([404, 'EXECUTION_NOT_FOUND']);
      sameAsMissing(foreign, missing, [running.id, ghost]);
    }
    // B's history holds none of A's, and asking for A's by name is APP_NOT_FOUND.
    const history = await host.call('GET', '/v1/executions?limit=500', { key: B.key });
    expect(history.body.items.filter((e: { appId: string }) => e.appId !== B.id)).toEqual([]);
    expect((await host.call('GET', `/v1/executions?app=${A.id}`, { key: B.key })).body.code).toBe('APP_NOT_FOUND');
    // B's cancel changed nothing.
    expect((await host.call('GET', `/v1/executions/${running.id}`, { key: a1 })).body.status).toBe('running');
    // The admin sees it, and A's other key cancels it.
    expect((await host.call('GET', `/v1/executions/${running.id}`)).body).toMatchObject({ appId: A.id, status: 'running' });
    expect((await host.call('GET', `/v1/executions?app=${A.id}&status=running`)).body.items.map((e: { id: string }) => e.id)).toContain(running.id);
    const cancelled = await host.call('POST', `/v1/executions/${running.id}/cancel`, { key: a2 });
    expect(cancelled.body).toMatchObject({ id: running.id, status: 'cancelled' });
    expect((await pending).status).toBeGreaterThanOrEqual(400);
    await control.reset();
  });

  test("blobs: B gets A's as a missing blob; A's other key and an admin read it", async () => {
    const [a1, a2] = A.keys as [string, string];
    const put = await host.call('POST', '/v1/agents/storage-user/store/put', { key: a1, body: { key: 'private.bin', bytes: [7, 7, 7], contentType: 'application/octet-stream' } });
    expect(put.body.output, JSON.stringify(put.body)).toMatchObject({ ok: true });
    const blobId = put.body.output.value.blobId as string;
    const fetchBlob = (id: string, key: string) => fetch(`${host.url}/v1/blobs/${id}`, { headers: { authorization: `Bearer ${key}` } });
    const foreign = await fetchBlob(blobId, B.key);
    const ghost = randomUUID();
    const missing = await fetchBlob(ghost, B.key);
    sameAsMissing({ status: foreign.status, body: await foreign.json() }, { status: missing.status, body: await missing.json() }, [blobId, ghost]);
    expect(foreign.status).toBe(404);
    for (const key of [a2, ADMIN_TOKEN]) {
      const res = await fetchBlob(blobId, key);
      expect(res.status).toBe(200);
      expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([7, 7, 7]);
    }
  });

  test("plugin data kept by ctx.caller: A's keys share it (ctx.caller.app is the app, not the key), B's same user id does not", async () => {
    const [a1, a2] = A.keys as [string, string];
    expect((await host.call('PUT', '/v1/p/bytes-caller/notes/diary', { ...as(a1, 'ada'), body: { text: 'dear diary' } })).status).toBe(200);
    const shared = await host.call('GET', '/v1/p/bytes-caller/notes/diary?verbose=true', as(a2, 'ada'));
    expect(shared.status, JSON.stringify(shared.body)).toBe(200);
    expect(shared.body.output).toEqual({ noteId: 'diary', text: 'dear diary', caller: { app: A.id, user: 'ada' } });
    const foreign = await host.call('GET', '/v1/p/bytes-caller/notes/diary', as(B.key, 'ada'));
    expect([foreign.status, foreign.body.code]).toEqual([404, 'RESOURCE_NOT_FOUND']);
  });
});

describe('spending', () => {
  test("the same user id under two apps is two people with two budgets: B cannot spend A's user's budget, nor A B's", async () => {
    const [a1] = A.keys as [string];
    expect((await host.call('PUT', `/v1/apps/${A.id}/users/zoe/budget`, { body: { monthlyUsd: 0 } })).status).toBe(200);
    const refused = await text(a1, 'zoe', 'zoe in A');
    expect([refused.status, refused.body.code, refused.body.details?.scope]).toEqual([402, 'BUDGET_EXCEEDED', 'user']);
    const before = (await statsOf(a1, 'zoe')).body;
    // B's zoe is another person, without a budget.
    expect((await text(B.key, 'zoe', 'zoe in B')).status).toBe(200);
    expect((await statsOf(B.key, 'zoe')).body).toMatchObject({ appId: B.id, calls: 1 });
    // Nothing landed on A's zoe.
    const after = (await statsOf(a1, 'zoe')).body;
    expect(after).toMatchObject({ calls: before.calls, costUsd: 0, budget: { monthlyUsd: 0, spentUsd: 0, reservedUsd: 0 } });
    // And the other way round: a budget for B's zoe leaves A's zoe's as it was.
    expect((await host.call('PUT', `/v1/apps/${B.id}/users/zoe/budget`, { body: { monthlyUsd: 5 } })).status).toBe(200);
    expect((await host.call('GET', `/v1/apps/${A.id}/users/zoe/budget`)).body.monthlyUsd).toBe(0);
  });

  test("an app's budget holds across its keys and users under concurrency: the total charged never passes it", { timeout: 120_000 }, async () => {
    const made = await host.call('POST', '/v1/apps', { body: { name: 'App C' } });
    const C = made.body.id as string;
    const keys = await Promise.all(['c one', 'c two'].map(async (label) => (await host.call('POST', '/v1/keys', { body: { role: 'app', label, app: C } })).body.key as string));
    const budget = 0.01;
    expect((await host.call('PUT', `/v1/apps/${C}/budget`, { body: { monthlyUsd: budget } })).body).toMatchObject({ scope: 'app', monthlyUsd: budget });
    // Each user's own budget is far above the app's: only the app's can bind.
    for (const user of ['u1', 'u2']) await host.call('PUT', `/v1/apps/${C}/users/${user}/budget`, { body: { monthlyUsd: 1 } });
    // Calls overlap: each holds its worst case while the model is slow to answer.
    await control.fault({ modelId: MICRO, latencyMs: 200, count: Infinity });
    const calls = await Promise.all(
      Array.from({ length: 40 }, (_, i) => text(keys[i % 2]!, i % 4 < 2 ? 'u1' : 'u2', `concurrent call ${i} of app C`)),
    );
    await control.reset();
    const paid = calls.filter((r) => r.status === 200);
    const refused = calls.filter((r) => r.status !== 200);
    expect(paid.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect([r.status, r.body.code, r.body.details?.scope]).toEqual([402, 'BUDGET_EXCEEDED', 'app']);

    const status = (await host.call('GET', `/v1/apps/${C}/budget`)).body;
    expect(status.spentUsd).toBeLessThanOrEqual(budget);
    expect(status.reservedUsd).toBe(0);
    // What the app was charged is what its users were charged, and what the calls cost.
    const charged = paid.reduce((sum, r) => sum + (r.body.costUsd as number), 0);
    expect(charged).toBeCloseTo(status.spentUsd, 9);
    let users = 0;
    for (const user of ['u1', 'u2']) users += (await statsOf(ADMIN_TOKEN, user, `?app=${C}`)).body.costUsd;
    expect(users).toBeCloseTo(status.spentUsd, 9);
  });
});

describe('a database from before apps', () => {
  test('opens with every app key in an app of its own; the key, its executions and its usage keep working', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'easel-tenants-v4-'));
    const rawKey = `esl_${'v'.repeat(43)}`;
    const at = `${MONTH()}-01T08:00:00.000Z`;
    const executionId = randomUUID();
    const db = await openDatabase(join(dir, 'easel.db'), MIGRATIONS.filter((m) => m.version <= 4));
    try {
      db.prepare("INSERT INTO api_keys (id, key_sha256, role, label, created_at) VALUES ('old-key', ?, 'app', 'the old app', ?)").run(createHash('sha256').update(rawKey).digest('hex'), at);
      db.prepare(`INSERT INTO executions (id, plugin_name, plugin_version, kind, target, capability, api_key_id, user_id, input, status, started_at, finished_at)
        VALUES (?, 'model-user', '1.0.0', 'agent', 'writer', 'text', 'old-key', 'carol', '{}', 'succeeded', ?, ?)`).run(executionId, at, at);
      db.prepare(`INSERT INTO model_usage (at, user_id, plugin_name, execution_id, task, model_id, purpose, input_tokens, output_tokens, images, cost_nanos, status, latency_ms)
        VALUES (?, 'carol', 'model-user', ?, 'text', ?, 'call', 10, 10, 0, 2000000, 'ok', 5)`).run(at, executionId, MICRO);
      db.prepare("INSERT INTO budgets (user_id, monthly_nanos, updated_at) VALUES ('carol', 3000000000, ?)").run(at);
    } finally {
      db.close();
    }
    const old = await startHost({}, dir);
    try {
      expect((await old.call('GET', '/v1/agents', { key: rawKey })).status).toBe(200);
      expect((await old.call('GET', '/v1/apps')).body.apps).toEqual([{ id: 'old-key', name: 'the old app', createdAt: at }]);
      expect((await old.call('GET', '/v1/apps/old-key')).body.keys).toEqual([expect.objectContaining({ id: 'old-key', role: 'app', appId: 'old-key' })]);
      expect((await old.call('GET', `/v1/executions/${executionId}`, { key: rawKey })).body).toMatchObject({ appId: 'old-key', userId: 'carol' });
      expect((await old.call('GET', '/v1/models/usage/carol/stats', { key: rawKey })).body).toMatchObject({
        appId: 'old-key',
        calls: 1,
        costUsd: 0.002,
        budget: { scope: 'user', monthlyUsd: 3, spentUsd: 0.002 },
        appBudget: { scope: 'app', spentUsd: 0.002 },
      });
      // A second key joins the migrated app and shares its history.
      const second = await old.call('POST', '/v1/keys', { body: { role: 'app', label: 'second', app: 'old-key' } });
      expect((await old.call('GET', `/v1/executions/${executionId}`, { key: second.body.key })).status).toBe(200);
    } finally {
      await old.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
