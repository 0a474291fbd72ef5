/**
 * The execution gates of two hosts on one PostgreSQL store: a plugin's slots
 * (EASEL_EXECUTIONS_MAX_CONCURRENT_PER_PLUGIN) count both hosts' executions, the host that has
 * fewer waiting is served in turns instead of after the other's whole queue, and a waiter that
 * gives up hands its host's place on.
 */
import { expect } from 'vitest';
import type { Store } from '../store/index.ts';
import { test } from '../store/test-store.ts';
import { ExecutionGate, type SharedSlots } from './gate.ts';

const never = () => new AbortController().signal;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function gateOn(store: Store, limits: { maxConcurrent: number; maxPerPlugin: number; maxQueued?: number }, errors: unknown[]): ExecutionGate {
  const shared: SharedSlots = { slots: store.pluginSlots!, changes: store.changes, pollMs: 60_000, onError: (e) => errors.push(e) };
  return new ExecutionGate({ maxQueued: 1000, ...limits }, shared);
}

test("two hosts' executions of one plugin share its slots, and the host with fewer waiting is served in turns", async ({ another }) => {
  const errors: unknown[] = [];
  const [storeA, storeB] = await Promise.all([another({ owner: 'host-a' }), another({ owner: 'host-b' })]);
  // Each host could run 10 at once; the plugin may run 2 over both.
  const a = gateOn(storeA, { maxConcurrent: 10, maxPerPlugin: 2 }, errors);
  const b = gateOn(storeB, { maxConcurrent: 10, maxPerPlugin: 2 }, errors);
  let running = 0;
  let most = 0;
  const order: string[] = [];
  const run = async (gate: ExecutionGate, label: string) => {
    const admission = await gate.enter('p', never());
    const release = await admission.ready;
    running++;
    most = Math.max(most, running);
    order.push(label);
    await sleep(20);
    running--;
    release();
  };
  // A has 12 waiting, two of them running, when B's 4 arrive.
  const onA = Array.from({ length: 12 }, (_, i) => run(a, `a${i}`));
  while (order.length < 2) await sleep(1);
  const onB = Array.from({ length: 4 }, (_, i) => run(b, `b${i}`));
  await Promise.all([...onA, ...onB]);
  expect(errors).toEqual([]);
  expect(most).toBe(2);
  expect(order).toHaveLength(16);
  // Served in turns: B's last starts while most of A's queue still waits, not after it.
  const lastOfB = order.lastIndexOf('b3');
  expect(order.slice(0, lastOfB).filter((label) => label.startsWith('a')).length).toBeLessThanOrEqual(8);
  // The hosts hold nothing once done: every slot and place was given back.
  expect(a.running + b.running + a.queued + b.queued).toBe(0);
});

test('a waiter that gives up leaves its host\'s place to the next host; a host without a free slot of its own does not ask', async ({ another, sideQuery }) => {
  const errors: unknown[] = [];
  const [storeA, storeB, storeC] = await Promise.all(['host-a', 'host-b', 'host-c'].map((owner) => another({ owner })));
  const a = gateOn(storeA!, { maxConcurrent: 5, maxPerPlugin: 1 }, errors);
  const b = gateOn(storeB!, { maxConcurrent: 5, maxPerPlugin: 1 }, errors);
  const c = gateOn(storeC!, { maxConcurrent: 1, maxPerPlugin: 1 }, errors);
  const held = await (await a.enter('p', never())).ready;
  // B waits, then gives up; C, whose own slot is taken by another plugin, never joins p's line.
  const giveUp = new AbortController();
  const onB = await b.enter('p', giveUp.signal);
  expect(onB.queued).toBe(true);
  const cBusy = await (await c.enter('q', never())).ready;
  const onC = await c.enter('p', never());
  expect(onC.queued).toBe(true);
  expect(await sideQuery("SELECT owner FROM plugin_slots WHERE plugin = 'p' AND NOT running")).toEqual([{ owner: 'host-b' }]);
  giveUp.abort();
  await expect(onB.ready).rejects.toMatchObject({ code: 'EXECUTION_CANCELLED' });
  // C's own slot frees: it asks, finds p taken, and waits first in line.
  cBusy();
  for (let i = 0; i < 200; i++) {
    const line = await sideQuery<{ owner: string }>("SELECT owner FROM plugin_slots WHERE plugin = 'p' AND NOT running");
    if (line.length === 1 && line[0]!.owner === 'host-c') break;
    await sleep(10);
  }
  expect(await sideQuery("SELECT owner FROM plugin_slots WHERE plugin = 'p' AND NOT running")).toEqual([{ owner: 'host-c' }]);
  held();
  (await onC.ready)();
  expect(errors).toEqual([]);
});

test("the host's queue cap counts only executions that have to wait: one that gets a slot is never refused", async ({ another }) => {
  const errors: unknown[] = [];
  const [storeA, storeB] = await Promise.all([another({ owner: 'host-a' }), another({ owner: 'host-b' })]);
  const a = gateOn(storeA, { maxConcurrent: 10, maxPerPlugin: 1 }, errors);
  const b = gateOn(storeB, { maxConcurrent: 10, maxPerPlugin: 1, maxQueued: 2 }, errors);
  const heldOnA = await (await a.enter('p', never())).ready;
  // Three arrive at once for p, which A holds: two wait, the third is refused.
  const outcomes = await Promise.allSettled([b.enter('p', never()), b.enter('p', never()), b.enter('p', never())]);
  expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.queued)).toHaveLength(2);
  expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code)).toEqual(['EXECUTIONS_BUSY']);
  expect(b.queued).toBe(2);
  // The queue is full, but q has a free slot: it starts.
  const q = await b.enter('q', never());
  expect(q.queued).toBe(false);
  (await q.ready)();
  // With no queue at all, what can start starts and what would wait is refused.
  const none = gateOn(storeB, { maxConcurrent: 10, maxPerPlugin: 1, maxQueued: 0 }, errors);
  await expect(none.enter('p', never())).rejects.toMatchObject({ code: 'EXECUTIONS_BUSY' });
  (await (await none.enter('r', never())).ready)();
  heldOnA();
  for (const outcome of outcomes) if (outcome.status === 'fulfilled') (await outcome.value.ready)();
  expect(errors).toEqual([]);
});
