/**
 * The router's holds as reservation rows: every hop that may go out holds (budget or not) and
 * has a row for it while in flight; whatever ends the hop (an answer, a provider failure, a
 * cancel, a quota refusal) deletes the row and settles the hold. Nothing is left to be charged
 * as unreconciled at the next start.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { monthOf } from '../../host/src/models/index.ts';
import { openStore } from '../../host/src/store/index.ts';
import { waitFor } from '../helpers/orchestration.ts';
import { startModelStack, type ModelStack } from './stack.ts';

const MICRO = 'apac.amazon.nova-micro-v1:0';
const LITE = 'apac.amazon.nova-lite-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const HAIKU_APAC = 'apac.anthropic.claude-3-haiku-20240307-v1:0';
const OFF = { available: false, unavailableReason: 'off for this test' };
/** One basic text model at prices a test can count with. */
const ONLY_MICRO = { [MICRO]: { prices: { inputPer1k: 0.01, outputPer1k: 0.01 } }, [LITE]: OFF, [HAIKU]: OFF, [HAIKU_APAC]: OFF };

let stack: ModelStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const meta = (userId: string) => ({ appId: stack!.app, userId, pluginName: 'tester', executionId: `e-${userId}`, maxTier: 'basic' as const });
const user = (userId: string) => ({ appId: stack!.app, userId });

function reservations(): { owner: string; user_id: string; model_id: string; plugin_name: string; execution_id: string; amount_nanos: number; output_tokens: number }[] {
  const db = new Database(join(stack!.dir, 'easel.db'), { readonly: true });
  try {
    return db.prepare('SELECT * FROM model_reservations').all() as never;
  } finally {
    db.close();
  }
}

test('a call in flight without any budget holds, with a reservation row; its answer deletes the row and bills it', async () => {
  stack = await startModelStack({ overrides: ONLY_MICRO });
  await stack.emulator.control.fault({ modelId: MICRO, latencyMs: 1000, count: 1 });
  const call = stack.models.service.text({ prompt: 'a question', maxTokens: 100, cache: false }, meta('ann'));
  await waitFor('the call at the provider', async () => (await stack!.emulator.control.calls()).length === 1);
  const [row] = reservations();
  expect(row).toMatchObject({ owner: stack.store.owner, user_id: 'ann', model_id: MICRO, plugin_name: 'tester', execution_id: 'e-ann', output_tokens: 100 });
  const month = monthOf(Date.now());
  const held = (await stack.store.budgets.get(user('ann'), month)).reservedUsd;
  expect(held).toBeCloseTo(row!.amount_nanos / 1e9, 9);
  expect(held).toBeGreaterThan(0);
  expect((await stack.store.budgets.get({ appId: stack.app }, month)).reservedUsd).toBe(held);

  const answer = await call;
  expect(reservations()).toEqual([]);
  const after = await stack.store.budgets.get(user('ann'), month);
  expect(after).toMatchObject({ reservedUsd: 0 });
  expect(after.spentUsd).toBeCloseTo(answer.cost, 9);
  // What it really cost is no more than what it held.
  expect(answer.cost).toBeLessThanOrEqual(held);
});

test('hops that fail, are cancelled or are refused for quota leave no reservation and no hold', async () => {
  stack = await startModelStack({ overrides: { ...ONLY_MICRO, [MICRO]: { prices: { inputPer1k: 0.01, outputPer1k: 0.01 }, quotas: { rpm: 2 } } } });
  const month = monthOf(Date.now());
  // A provider failure (no fallback left).
  await stack.emulator.control.fault({ modelId: MICRO, exception: 'InternalServerException', count: 1 });
  await expect(stack.models.service.text({ prompt: 'fails', maxTokens: 50, cache: false }, meta('bob'))).rejects.toMatchObject({ code: 'MODEL_CALL_FAILED' });
  // A cancel while at the provider.
  await stack.emulator.control.fault({ modelId: MICRO, latencyMs: 5000, count: 1 });
  const controller = new AbortController();
  const cancelled = stack.models.service.text({ prompt: 'cancelled', maxTokens: 50, cache: false }, { ...meta('bob'), signal: controller.signal });
  await waitFor('the second call at the provider', async () => (await stack!.emulator.control.calls()).length === 2);
  expect(reservations()).toHaveLength(1);
  controller.abort();
  await expect(cancelled).rejects.toMatchObject({ code: 'EXECUTION_CANCELLED' });
  // The model's two requests a minute are taken: the third hop is refused for quota after its hold.
  await expect(stack.models.service.text({ prompt: 'no quota', maxTokens: 50, cache: false }, meta('bob'))).rejects.toMatchObject({ code: 'MODEL_QUOTA_EXHAUSTED' });

  expect(reservations()).toEqual([]);
  expect(await stack.store.budgets.get(user('bob'), month)).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  expect(await stack.store.budgets.get({ appId: stack.app }, month)).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  expect((await stack.store.usage.listByExecution('e-bob')).map((r) => [r.status, r.errorCode])).toEqual([
    ['failed', 'EXECUTION_CANCELLED'],
    ['failed', 'MODEL_CALL_FAILED'],
  ]);
  // A later start finds nothing to charge.
  const next = await openStore(join(stack.dir, 'easel.db'));
  try {
    expect(await next.budgets.chargeAbandoned()).toEqual({ calls: 0, costUsd: 0, groups: [] });
  } finally {
    await next.close();
  }
});
