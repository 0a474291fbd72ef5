/**
 * A plugin's slots across the hosts on one PostgreSQL store (EASEL_EXECUTIONS_MAX_CONCURRENT_PER_PLUGIN):
 * never more held than the limit however many hosts ask at once, freed slots served to the
 * hosts in line in turn, and a gone host's slots and place freed. PostgreSQL only: SQLite
 * serves one host, whose gate counts in memory.
 */
import { expect } from 'vitest';
import type { PluginSlotStore, Store, StoreChange } from './index.ts';
import { test } from './test-store.ts';

const slotsOf = (store: Store): PluginSlotStore => store.pluginSlots!;

/** Notices the store's feed tells `store` about slots, in order. */
function heard(store: Store): StoreChange[] {
  const changes: StoreChange[] = [];
  store.changes!.subscribe((change) => change.slots !== undefined && changes.push(change));
  return changes;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
};

test('three hosts asking at once never hold more than the limit; the other plugins are counted apart', async ({ another }) => {
  const hosts = await Promise.all(['host-a', 'host-b', 'host-c'].map((owner) => another({ owner })));
  const asks = hosts.flatMap((host) => Array.from({ length: 10 }, () => slotsOf(host).take('p', 3)));
  const given = (await Promise.all(asks)).filter((id) => id !== undefined);
  expect(given).toHaveLength(3);
  expect(new Set(given).size).toBe(3);
  // Another plugin has slots of its own.
  expect(await slotsOf(hosts[0]!).take('q', 1)).toEqual(expect.any(String));
  // A slot given back is free again; released twice, it frees nothing more.
  await slotsOf(hosts[0]!).release(given[0]!);
  await slotsOf(hosts[0]!).release(given[0]!);
  const again = (await Promise.all(hosts.map((host) => slotsOf(host).take('p', 3)))).filter((id) => id !== undefined);
  expect(again).toHaveLength(1);
});

test('freed slots go to the hosts in line in turn, not to whoever asks first', async ({ another }) => {
  const [a, b, c] = await Promise.all(['host-a', 'host-b', 'host-c'].map((owner) => another({ owner }))) as [Store, Store, Store];
  const first = await slotsOf(a).take('p', 1);
  expect(first).toBeDefined();
  // B then C find it taken: each keeps a place, B ahead of C.
  expect(await slotsOf(b).take('p', 1)).toBeUndefined();
  expect(await slotsOf(c).take('p', 1)).toBeUndefined();
  const toldC = heard(c);
  await slotsOf(a).release(first!);
  await until(() => toldC.length > 0);
  expect(toldC[0]).toEqual({ slots: 'p' });
  // A (served last) and C ask before B: B's turn is first.
  expect(await slotsOf(a).take('p', 1)).toBeUndefined();
  expect(await slotsOf(c).take('p', 1)).toBeUndefined();
  const second = await slotsOf(b).take('p', 1);
  expect(second).toBeDefined();
  await slotsOf(b).release(second!);
  // C has waited longest, then A; B asking again goes to the back.
  expect(await slotsOf(b).take('p', 1)).toBeUndefined();
  expect(await slotsOf(a).take('p', 1)).toBeUndefined();
  const third = await slotsOf(c).take('p', 1);
  expect(third).toBeDefined();
  await slotsOf(c).release(third!);
  expect(await slotsOf(b).take('p', 1)).toBeUndefined();
  expect(await slotsOf(a).take('p', 1)).toBeDefined();
});

test('a host that leaves the line lets the next one in', async ({ another }) => {
  const [a, b, c] = await Promise.all(['host-a', 'host-b', 'host-c'].map((owner) => another({ owner }))) as [Store, Store, Store];
  const held = await slotsOf(a).take('p', 1);
  expect(await slotsOf(b).take('p', 1)).toBeUndefined();
  expect(await slotsOf(c).take('p', 1)).toBeUndefined();
  await slotsOf(a).release(held!);
  // B went full meanwhile and gives up its place: C is first now.
  const toldC = heard(c);
  await slotsOf(b).leave(['p']);
  await until(() => toldC.length > 0);
  expect(await slotsOf(c).take('p', 1)).toBeDefined();
  // Leaving lines it is not in changes nothing.
  await slotsOf(a).leave();
  expect(await slotsOf(b).take('p', 2)).toBeDefined();
});

test("a gone host's slots and place are freed for the live ones", async ({ another, sideQuery }) => {
  // A and B beat rarely, so the heartbeats set back below stay back.
  const [a, b] = await Promise.all(['host-a', 'host-b'].map((owner) => another({ owner, leaseMs: 600_000 }))) as [Store, Store];
  const c = await another({ owner: 'host-c' });
  expect(await slotsOf(a).take('p', 1)).toBeDefined();
  expect(await slotsOf(b).take('p', 1)).toBeUndefined();
  expect(await slotsOf(c).take('p', 1)).toBeUndefined();
  // A crashes holding the slot; B crashes in line ahead of C.
  await sideQuery("UPDATE replicas SET heartbeat_ms = 0 WHERE id IN ('host-a', 'host-b')");
  expect(await slotsOf(c).take('p', 1)).toBeDefined();
  const rows = await sideQuery<{ owner: string; running: boolean }>("SELECT owner, running FROM plugin_slots WHERE plugin = 'p'");
  expect(rows).toEqual([{ owner: 'host-c', running: true }]);
});

test('a slot given back tells the hosts only when one waits in line', async ({ another }) => {
  const [a, b] = await Promise.all(['host-a', 'host-b'].map((owner) => another({ owner }))) as [Store, Store];
  const toldB = heard(b);
  // Nobody waits: no notice (every host's listener would wake for nothing).
  await slotsOf(a).release((await slotsOf(a).take('p', 1))!);
  const second = await slotsOf(a).take('p', 1);
  expect(await slotsOf(b).take('p', 1)).toBeUndefined();
  await slotsOf(a).release(second!);
  // Notices arrive in commit order: had the first release told, it would be here first.
  await until(() => toldB.length > 0);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(toldB).toEqual([{ slots: 'p' }]);
});
