/**
 * Periodic work on a store several hosts share (retention, the blob sweep): one host has the
 * job at a time, keeps it while it asks again in time, and hands it on when its hold lapses or
 * it closes. PostgreSQL only: on SQLite the one host does every job.
 */
import { expect } from 'vitest';
import type { Store } from './index.ts';
import { test } from './test-store.ts';

const turn = (store: Store, job: string, holdMs: number) => store.periodicTurn!(job, holdMs);

test('one host has a job at a time and keeps it while it asks in time; other jobs are apart', async ({ another }) => {
  const [a, b] = await Promise.all([another({ owner: 'host-a' }), another({ owner: 'host-b' })]);
  expect(await turn(a, 'retention', 60_000)).toBe(true);
  expect(await turn(b, 'retention', 60_000)).toBe(false);
  expect(await turn(a, 'retention', 60_000)).toBe(true);
  expect(await turn(b, 'blob-sweep', 60_000)).toBe(true);
  expect(await turn(a, 'blob-sweep', 60_000)).toBe(false);
});

test('asked by many hosts at once, a free job goes to exactly one', async ({ another }) => {
  const hosts = await Promise.all(['h1', 'h2', 'h3', 'h4'].map((owner) => another({ owner })));
  const answers = await Promise.all(hosts.flatMap((host) => [turn(host, 'retention', 60_000), turn(host, 'retention', 60_000)]));
  const winners = new Set(hosts.filter((_, i) => answers[2 * i] || answers[2 * i + 1]));
  expect(winners.size).toBe(1);
});

test("a holder that stops asking loses the job once its hold lapses; one that closes hands it on at once", async ({ another }) => {
  const [a, b, c] = await Promise.all(['host-a', 'host-b', 'host-c'].map((owner) => another({ owner })));
  expect(await turn(a!, 'retention', 100)).toBe(true);
  expect(await turn(b!, 'retention', 100)).toBe(false);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(await turn(b!, 'retention', 60_000)).toBe(true);
  expect(await turn(a!, 'retention', 60_000)).toBe(false);
  await b!.close();
  expect(await turn(c!, 'retention', 60_000)).toBe(true);
});
