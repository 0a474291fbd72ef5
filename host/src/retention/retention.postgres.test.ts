/**
 * The background purge of hosts sharing a PostgreSQL store: one host purges at a time (its
 * passes run, the others' ticks skip), and when that host stops, another takes the work over.
 */
import { expect } from 'vitest';
import type { Store } from '../store/index.ts';
import { test } from '../store/test-store.ts';
import { Retention } from './retention.ts';

const SWEEP_MS = 50;
const quiet = { info: () => undefined, warn: () => undefined };

function retentionOn(store: Store, passes: { count: number }): Retention {
  return new Retention({
    store,
    blobs: { expire: async () => ({ blobs: 0, bytes: 0, more: false }) },
    config: { executionsDays: 30, eventsDays: 30, usageDays: 30, auditDays: 30, blobsDays: 30, sweepMs: SWEEP_MS, batch: 100 },
    metrics: { countPurged: () => void passes.count++ },
    logger: quiet,
  });
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(check()).toBe(true);
};

test('of two hosts, one purges at a time; when it stops, the other takes over', async ({ another }) => {
  const [storeA, storeB] = await Promise.all([another({ owner: 'host-a' }), another({ owner: 'host-b' })]);
  const [onA, onB] = [{ count: 0 }, { count: 0 }];
  const [a, b] = [retentionOn(storeA, onA), retentionOn(storeB, onB)];
  a.start();
  b.start();
  // Several periods each: whoever got the job first keeps it.
  await until(() => onA.count + onB.count >= 6);
  expect(Math.min(onA.count, onB.count)).toBe(0);
  const [holder, holderStore, other, otherPasses] = onA.count > 0 ? [a, storeA, b, onB] : [b, storeB, a, onA];
  await holder.stop();
  await holderStore.close();
  await until(() => otherPasses.count >= 3);
  await other.stop();
});
