/**
 * Retention in the store: the purge methods take one bounded batch at a time, oldest first,
 * in a transaction of its own; never touch queued or running executions (nor their steps,
 * events or usage rows); take event logs before the executions they belong to; keep the
 * months' spend when usage rows go; and give a blob's bytes and objects back to its plugin's
 * totals in the transaction that deletes its row. Records are placed in time with a moved
 * Date (vitest fakes Date only; timers and the group commit stay real).
 */
import { afterEach, beforeEach, describe, expect, vi } from 'vitest';
import type { ExecutionEventRecord, NewBlob, Store, UsageRow } from './index.ts';
import { pluginRecord, test } from './test-store.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2031-03-01T00:00:00.000Z');
const at = (days: number) => new Date(T0 + days * DAY).toISOString();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** An execution started at `day` with `steps` steps and `events` events, finished then unless `status` says it still runs. */
async function execution(store: Store, id: string, options: { day: number; steps?: number; events?: number; status?: 'running' | 'queued' | 'succeeded' | 'failed' | 'cancelled'; app?: string }) {
  vi.setSystemTime(T0 + options.day * DAY);
  const status = options.status ?? 'succeeded';
  await store.executions.create(
    { id, pluginName: 'p', pluginVersion: '1.0.0', kind: 'workflow', target: 'flow', appId: options.app ?? 'app-1', userId: 'u1', input: {} },
    status === 'queued' ? 'queued' : 'running',
  );
  for (let i = 0; i < (options.steps ?? 0); i++) {
    await store.steps.begin({ id: `${id}-s${i}`, executionId: id, callKey: `k${i}`, depth: 1, pluginName: 'p', pluginVersion: '1.0.0', agent: 'a', capability: 'c', inputSha256: 'ab'.repeat(32) });
  }
  const events: ExecutionEventRecord[] = Array.from({ length: options.events ?? 0 }, (_, i) => ({ executionId: id, seq: i + 1, type: 'progress', data: '{}', at: new Date().toISOString() }));
  await store.executionEvents.append(events);
  if (status !== 'running' && status !== 'queued') await store.executions.complete(id, { status, durationMs: 5 });
}

const usageRow = (over: Partial<UsageRow> = {}): UsageRow => ({
  appId: 'app-1',
  userId: 'u1',
  task: 'text',
  modelId: 'm',
  purpose: 'call',
  inputTokens: 1,
  outputTokens: 1,
  images: 0,
  costUsd: 0.5,
  status: 'ok',
  latencyMs: 1,
  ...over,
});

async function counts(store: Store, id: string) {
  return { record: (await store.executions.get(id)) !== undefined, steps: (await store.steps.listByExecution(id)).length, events: await store.executionEvents.count(id) };
}

describe('executions', () => {
  test('go in batches of at most `limit` rows, oldest first, their events and steps before them; queued and running ones stay', async ({ store }) => {
    await execution(store, 'old-1', { day: 0, steps: 2, events: 3 });
    await execution(store, 'old-2', { day: 1, steps: 1, events: 2, status: 'failed' });
    await execution(store, 'old-3', { day: 2, status: 'cancelled' });
    // A log longer than a batch: it takes several, never one long transaction.
    await execution(store, 'big', { day: 3, steps: 1, events: 9 });
    await execution(store, 'running', { day: 0, steps: 1, events: 2, status: 'running' });
    await execution(store, 'queued', { day: 0, status: 'queued' });
    await execution(store, 'recent', { day: 9, steps: 1, events: 1 });
    vi.setSystemTime(T0 + 10 * DAY);

    const batches = [];
    for (;;) {
      const batch = await store.executions.purgeFinished(at(5), 4);
      batches.push(batch);
      expect(batch.executions + batch.steps + batch.events).toBeLessThanOrEqual(4);
      if (!batch.more) break;
      expect(batches.length).toBeLessThan(10);
    }
    // old-1: 3 events + 1 step fill the first batch; then its last step, itself, and old-2's two events…
    expect(batches[0]).toEqual({ executions: 0, steps: 1, events: 3, more: true });
    expect(batches[1]).toEqual({ executions: 1, steps: 1, events: 2, more: true });
    const total = batches.reduce((sum, b) => ({ executions: sum.executions + b.executions, steps: sum.steps + b.steps, events: sum.events + b.events }), { executions: 0, steps: 0, events: 0 });
    expect(total).toEqual({ executions: 4, steps: 4, events: 14 });
    expect(batches.length).toBeGreaterThanOrEqual(Math.ceil((4 + 4 + 14) / 4));
    for (const id of ['old-1', 'old-2', 'old-3', 'big']) expect(await counts(store, id)).toEqual({ record: false, steps: 0, events: 0 });
    expect(await counts(store, 'running')).toEqual({ record: true, steps: 1, events: 2 });
    expect(await counts(store, 'queued')).toEqual({ record: true, steps: 0, events: 0 });
    expect(await counts(store, 'recent')).toEqual({ record: true, steps: 1, events: 1 });
    expect(await store.executions.purgeFinished(at(5), 4)).toEqual({ executions: 0, steps: 0, events: 0, more: false });
  });

  test('an execution left running for longer than any cut-off is never purged, nor is anything of it', async ({ store }) => {
    await execution(store, 'stuck', { day: 0, steps: 2, events: 2, status: 'running' });
    await store.usage.record(usageRow({ executionId: 'stuck' }));
    vi.setSystemTime(T0 + 400 * DAY);
    const far = at(399);
    expect(await store.executions.purgeFinished(far, 100)).toMatchObject({ executions: 0, steps: 0, events: 0 });
    expect(await store.executionEvents.purgeFinished(far, 100)).toEqual({ events: 0, more: false });
    expect(await store.usage.purge(far, 100)).toEqual({ removed: 0, more: false });
    expect(await counts(store, 'stuck')).toEqual({ record: true, steps: 2, events: 2 });
    expect(await store.usage.listByExecution('stuck')).toHaveLength(1);
    // Once it ends, it is an old finished execution like any other.
    await store.executions.complete('stuck', { status: 'succeeded', durationMs: 1 });
    expect((await store.executions.get('stuck'))?.costUsd).toBe(0.5);
    expect(await store.executions.purgeFinished(at(401), 100)).toEqual({ executions: 1, steps: 2, events: 2, more: false });
  });
});

describe('event logs', () => {
  test('go before their executions, in batches, each emptied log marked so that later batches skip it', async ({ store }) => {
    await execution(store, 'a', { day: 0, steps: 1, events: 3 });
    await execution(store, 'b', { day: 1, events: 2 });
    await execution(store, 'quiet', { day: 1.5 });
    await execution(store, 'live', { day: 0, events: 2, status: 'running' });
    await execution(store, 'recent', { day: 9, events: 1 });
    vi.setSystemTime(T0 + 10 * DAY);

    expect(await store.executionEvents.purgeFinished(at(5), 2)).toEqual({ events: 2, more: true });
    expect(await store.executionEvents.purgeFinished(at(5), 2)).toEqual({ events: 2, more: true });
    // b's last event and quiet's empty log: two logs marked, a full batch of candidates.
    expect(await store.executionEvents.purgeFinished(at(5), 2)).toEqual({ events: 1, more: true });
    expect(await store.executionEvents.purgeFinished(at(5), 2)).toEqual({ events: 0, more: false });

    for (const id of ['a', 'b', 'quiet']) {
      const record = await store.executions.get(id);
      expect(record?.status).toBe('succeeded');
      expect(record?.eventsPurgedAt).toBe(at(10));
      expect(await store.executionEvents.count(id)).toBe(0);
    }
    expect((await store.steps.listByExecution('a')).length).toBe(1);
    expect(await store.executionEvents.count('live')).toBe(2);
    expect(await store.executionEvents.count('recent')).toBe(1);
    expect(await store.executions.get('recent')).not.toHaveProperty('eventsPurgedAt');
    // The records go later, by their own cut-off, with their steps.
    expect(await store.executions.purgeFinished(at(5), 100)).toEqual({ executions: 3, steps: 1, events: 0, more: false });
  });
});

describe('usage rows', () => {
  test('go oldest first in batches; the months\u2019 spend, which budgets read, stays; a running execution keeps its rows', async ({ store }) => {
    await execution(store, 'live', { day: 0, status: 'running' });
    vi.setSystemTime(T0);
    for (let i = 0; i < 5; i++) await store.usage.record(usageRow());
    await store.usage.record(usageRow({ executionId: 'live' }));
    vi.setSystemTime(T0 + 9 * DAY);
    await store.usage.record(usageRow());
    const month = at(0).slice(0, 7);
    const spentBefore = await store.budgets.get({ appId: 'app-1', userId: 'u1' }, month);
    const appSpentBefore = await store.budgets.get({ appId: 'app-1' }, month);
    expect(spentBefore.spentUsd).toBe(3.5);

    expect(await store.usage.purge(at(5), 2)).toEqual({ removed: 2, more: true });
    expect(await store.usage.purge(at(5), 2)).toEqual({ removed: 2, more: true });
    expect(await store.usage.purge(at(5), 2)).toEqual({ removed: 1, more: false });
    expect(await store.usage.purge(at(5), 2)).toEqual({ removed: 0, more: false });

    const stats = await store.usage.stats({ appId: 'app-1' }, at(-1), at(30));
    expect(stats.calls).toBe(2);
    expect(await store.usage.listByExecution('live')).toHaveLength(1);
    expect(await store.budgets.get({ appId: 'app-1', userId: 'u1' }, month)).toEqual(spentBefore);
    expect(await store.budgets.get({ appId: 'app-1' }, month)).toEqual(appSpentBefore);
  });
});

describe('audit rows', () => {
  test('go oldest first in batches', async ({ store }) => {
    for (let day = 0; day < 3; day++) {
      vi.setSystemTime(T0 + day * DAY);
      await store.audit.record({ actor: 'key:k', action: `a${day}`, outcome: 'ok' });
    }
    expect(await store.audit.purge(at(1.5), 1)).toEqual({ removed: 1, more: true });
    expect(await store.audit.purge(at(1.5), 1)).toEqual({ removed: 1, more: true });
    expect(await store.audit.purge(at(1.5), 1)).toEqual({ removed: 0, more: false });
    expect((await store.audit.list({ limit: 10 })).map((r) => r.action)).toEqual(['a2']);
  });
});

describe('blobs', () => {
  async function put(store: Store, key: string, size: number, expiresAt?: string): Promise<NewBlob> {
    const blob: NewBlob = { id: `id-${key}`, pluginName: 'p', key, objectKey: `p/${key}`, contentType: 'application/octet-stream', size, sha256: 'ab'.repeat(32), createdAt: new Date().toISOString(), ...(expiresAt ? { expiresAt } : {}) };
    await store.blobs.beginWrite(blob.objectKey);
    await store.blobs.commit(blob, { maxBytes: 1000, maxObjects: 10 });
    return blob;
  }

  test('expired rows go in batches with their quota given back and their objects released; the others stay', async ({ store }) => {
    await store.plugins.install(pluginRecord('p'));
    await put(store, 'a', 100, at(1));
    await put(store, 'b', 200, at(2));
    await put(store, 'c', 300, at(3));
    await put(store, 'forever', 50);
    expect(await store.blobs.usage('p')).toEqual({ bytes: 650, objects: 4 });
    expect((await store.blobs.get('p', 'b'))?.expiresAt).toBe(at(2));

    // Listing leaves out what has expired at the instant it is given, before any purge.
    expect((await store.blobs.list('p', '', undefined, 10, at(2))).map((b) => b.key)).toEqual(['c', 'forever']);
    expect((await store.blobs.list('p', '', undefined, 10)).map((b) => b.key)).toEqual(['a', 'b', 'c', 'forever']);

    const first = await store.blobs.expire(at(2.5), 1);
    expect(first.expired.map((b) => b.key)).toEqual(['a']);
    expect(first.more).toBe(true);
    expect(await store.blobs.usage('p')).toEqual({ bytes: 550, objects: 3 });
    const second = await store.blobs.expire(at(2.5), 5);
    expect(second).toMatchObject({ more: false });
    expect(second.expired.map((b) => b.key)).toEqual(['b']);
    expect(await store.blobs.usage('p')).toEqual({ bytes: 350, objects: 2 });
    // Released: the sweeper (or the caller, at once) deletes their bytes.
    expect((await store.blobs.orphans(at(-1), 10)).sort()).toEqual(['p/a', 'p/b']);
    expect(await store.blobs.get('p', 'a')).toBeUndefined();
    expect((await store.blobs.get('p', 'c'))?.size).toBe(300);
    expect((await store.blobs.get('p', 'forever'))?.expiresAt).toBeUndefined();
    expect((await store.blobs.expire(at(1000), 10)).expired.map((b) => b.key)).toEqual(['c']);
    expect(await store.blobs.usage('p')).toEqual({ bytes: 50, objects: 1 });
  });

  test('a blob row keeps its app, so an app still reads it once its execution record is purged', async ({ store }) => {
    await store.plugins.install(pluginRecord('p'));
    await execution(store, 'writer', { day: 0, status: 'running', app: 'app-7' });
    const blob: NewBlob = { id: 'id-x', pluginName: 'p', key: 'x', objectKey: 'p/x', contentType: 'image/png', size: 1, sha256: 'ab'.repeat(32), executionId: 'writer', createdAt: new Date().toISOString() };
    await store.blobs.beginWrite(blob.objectKey);
    await store.blobs.commit(blob, { maxBytes: 1000, maxObjects: 10 });
    await store.executions.complete('writer', { status: 'succeeded', durationMs: 1 });
    expect((await store.blobs.byId('id-x'))?.appId).toBe('app-7');
    vi.setSystemTime(T0 + 10 * DAY);
    expect((await store.executions.purgeFinished(at(5), 10)).executions).toBe(1);
    expect((await store.blobs.byId('id-x'))?.appId).toBe('app-7');
  });
});
