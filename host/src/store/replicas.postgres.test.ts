/**
 * Several hosts on one PostgreSQL store: what a live host runs or holds is never taken by
 * another; what a host that is gone left (its heartbeat older than the lease, or a clean
 * leave) is taken over, each execution by exactly one host. PostgreSQL only: SQLite serves one
 * host per data folder.
 */
import { expect } from 'vitest';
import type { NewExecution, ReservationRequest, Store } from './index.ts';
import { pluginRecord, test } from './test-store.ts';

const execution = (id: string, kind: 'agent' | 'workflow' = 'workflow'): NewExecution => ({ id, pluginName: 'p', pluginVersion: '1.0.0', kind, target: 't', input: {} });
const hold = (appId: string): ReservationRequest => ({ appId, userId: 'u1', month: '2025-06', amountUsd: 0.5, task: 'text', modelId: 'm', purpose: 'call', inputTokens: 10, outputTokens: 10, images: 0 });

/** Makes `owner` look crashed: its last heartbeat long ago (its own timer beats once a minute at most). */
const stopBeating = (sideQuery: <T>(sql: string) => Promise<T[]>, owner: string) => sideQuery(`UPDATE replicas SET heartbeat_ms = 0 WHERE id = '${owner}'`);

test("a live host's executions and holds are not taken over; a crashed host's are, by one host only", async ({ another, sideQuery, store }) => {
  const app = (await store.apps.create({ name: 'a' })).id;
  const a = await another({ owner: 'host-a', leaseMs: 180_000 });
  const b = await another({ owner: 'host-b' });
  const c = await another({ owner: 'host-c' });
  for (const id of ['w1', 'w2', 'w3']) await a.executions.create(execution(id));
  await a.executions.create(execution('q1'), 'queued');
  const held = await a.budgets.reserve(hold(app));
  expect(held.ok).toBe(true);

  // A beats: nothing of it is anyone else's to take.
  expect(await b.executions.unfinished()).toEqual([]);
  expect(await b.budgets.chargeAbandoned()).toEqual({ calls: 0, costUsd: 0, groups: [] });
  expect(await b.executions.failRunning('gone')).toBe(0);

  await stopBeating(sideQuery, 'host-a');
  // B and C ask at once: every execution goes to one of them, none to both, oldest first each.
  const [byB, byC] = await Promise.all([b.executions.unfinished(), c.executions.unfinished()]);
  const taken = [...byB, ...byC].map((e) => e.id).sort();
  expect(taken).toEqual(['q1', 'w1', 'w2', 'w3']);
  for (const list of [byB, byC]) expect(list.map((e) => e.id)).toEqual(['w1', 'w2', 'w3', 'q1'].filter((id) => list.some((e) => e.id === id)));
  // Taken over: now B's or C's, both live, so nobody takes them again.
  expect(await b.executions.unfinished()).toEqual([]);
  expect(await c.executions.unfinished()).toEqual([]);
  // The crashed host's hold is charged once, as unreconciled.
  expect((await b.budgets.chargeAbandoned()).calls).toBe(1);
  expect((await c.budgets.chargeAbandoned()).calls).toBe(0);
});

test('a host that leaves cleanly hands over at once; one that started before owners were kept counts as gone', async ({ another, sideQuery, store }) => {
  const a: Store = await another({ owner: 'host-a' });
  await a.executions.create(execution('left'));
  await a.close();
  expect((await store.executions.unfinished()).map((e) => e.id)).toEqual(['left']);
  // A row with no owner (none was kept then) is anyone's.
  await store.executions.create(execution('ownerless'));
  await sideQuery("UPDATE executions SET owner = NULL WHERE id = 'ownerless'");
  const next = await another({ owner: 'host-next' });
  expect((await next.executions.unfinished()).map((e) => e.id)).toEqual(['ownerless']);
  // Heartbeats are recorded under each host's own id.
  const rows = await sideQuery<{ id: string }>('SELECT id FROM replicas ORDER BY id');
  expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining(['host-next', store.owner]));
  expect(rows.map((r) => r.id)).not.toContain('host-a');
});

test("a host hears of every committed change to a plugin's records, and of none that rolled back", async ({ another, refuse, store }) => {
  const heard: (string | undefined)[] = [];
  const other = await another({ owner: 'host-b' });
  other.changes!.subscribe((change) => heard.push(change.plugin));
  const until = async (n: number) => {
    for (let i = 0; i < 200 && heard.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await store.plugins.install(pluginRecord('p'));
  await store.plugins.setEnabled('p', true);
  await store.grants.set('p', { kv: true });
  await store.configs.set('p', { a: 1 });
  await until(4);
  expect(heard).toEqual(['p', 'p', 'p', 'p']);
  // A write that fails tells nobody: its notice goes with its transaction.
  const undo = await refuse('plugins', 'UPDATE');
  await expect(store.plugins.install(pluginRecord('p', '2.0.0'))).rejects.toThrow('refused');
  await undo();
  await store.plugins.remove('p');
  await until(5);
  expect(heard).toEqual(['p', 'p', 'p', 'p', 'p']);
  // Nothing for a plugin that is not there.
  expect(await store.plugins.setEnabled('ghost', true)).toBe(false);
});

test('a shared secret is made once and is the same for every host on the database', async ({ another, store }) => {
  const other = await another({ owner: 'host-b' });
  const [mine, theirs] = await Promise.all([store.sharedSecret!('blob-url'), other.sharedSecret!('blob-url')]);
  expect(mine).toHaveLength(32);
  expect(Buffer.compare(mine, theirs)).toBe(0);
  expect(Buffer.compare(await store.sharedSecret!('another'), mine)).not.toBe(0);
});

test("when its listening connection breaks, a host reconnects and is told to drop everything, and hears later changes again", async ({ another, sideQuery, store }) => {
  const other = await another({ owner: 'host-b' });
  const heard: { plugin?: string }[] = [];
  other.changes!.subscribe((change) => heard.push(change));
  // The server ends every LISTEN connection to this database (as a failover or a restart would);
  // the server is shared with other tests running at once, whose databases are left alone.
  await sideQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database() AND pid <> pg_backend_pid()");
  for (let i = 0; i < 500 && !heard.some((c) => c.plugin === undefined); i++) await new Promise((r) => setTimeout(r, 10));
  // Notices sent while it was away may be lost: it is told that anything may have changed.
  expect(heard).toContainEqual({});
  await store.plugins.install(pluginRecord('after'));
  for (let i = 0; i < 300 && !heard.some((c) => c.plugin === 'after'); i++) await new Promise((r) => setTimeout(r, 10));
  expect(heard).toContainEqual({ plugin: 'after' });
});
