/**
 * What each model call tells the cost report, on its usage rows, with the real router, store
 * and emulator: a cache hit what its answer cost when made, a miss once per call, a fallback
 * on the attempt after a failure, a cooldown on the attempt that caused it, quota waits on the
 * first row after them; and the store's report sums exactly those.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { UsageRecord } from '../../host/src/store/index.ts';
import { startModelStack, type ModelStack } from './stack.ts';

const MICRO = 'apac.amazon.nova-micro-v1:0';
const LITE = 'apac.amazon.nova-lite-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const HAIKU_APAC = 'apac.anthropic.claude-3-haiku-20240307-v1:0';
const OFF = { available: false, unavailableReason: 'off for this test' };

let stack: ModelStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const meta = (executionId: string) => ({ appId: stack!.app, userId: 'facts', pluginName: 'tester', executionId, maxTier: 'basic' as const });
/** The execution's rows, oldest first. */
const rows = async (executionId: string): Promise<UsageRecord[]> => (await stack!.store.usage.listByExecution(executionId)).reverse();
const report = () => {
  const now = Date.now();
  return stack!.store.usage.report({ appId: stack!.app, since: new Date(now - 3_600_000).toISOString(), until: new Date(now + 3_600_000).toISOString(), top: 10, budgetMonth: new Date(now).toISOString().slice(0, 7) });
};

describe('the facts on the usage rows', () => {
  test('a miss once per call, a hit with what it saved, nothing for a call that skips the cache', async () => {
    stack = await startModelStack();
    const first = await stack.models.service.text({ prompt: 'cache me', maxTokens: 16 }, meta('e1'));
    const again = await stack.models.service.text({ prompt: 'cache me', maxTokens: 16 }, meta('e2'));
    await stack.models.service.text({ prompt: 'not cached', maxTokens: 16, cache: false }, meta('e3'));
    const embedded = await stack.models.service.embed({ text: '한강' }, meta('e4'));
    await stack.models.service.embed({ text: '한강' }, meta('e5'));
    expect(again.cached).toBe('exact');
    expect(first.cost).toBeGreaterThan(0);

    expect(await rows('e1')).toMatchObject([{ cacheMiss: true, costUsd: first.cost }]);
    const [hit] = await rows('e2');
    expect(hit).toMatchObject({ cached: 'exact', costUsd: 0 });
    expect(hit?.savedUsd).toBeCloseTo(first.cost, 9);
    expect(await rows('e3')).toHaveLength(1);
    expect((await rows('e3'))[0]).not.toHaveProperty('cacheMiss');
    expect((await rows('e5'))[0]?.savedUsd).toBeCloseTo(embedded.cost, 9);

    expect((await report()).cache).toEqual({ hits: 2, misses: 2, hitRate: 0.5, savedUsd: expect.closeTo(first.cost + embedded.cost, 9) });
  });

  test('a throttled primary: its row says it cooled the model, the next row is a fallback; the miss is counted once', async () => {
    stack = await startModelStack();
    await stack.emulator.control.fault({ modelId: MICRO, exception: 'ThrottlingException', count: 1 });
    const answer = await stack.models.service.text({ prompt: 'fall back, please', maxTokens: 16 }, meta('f1'));
    expect(answer.model).toBe(LITE);
    const [throttled, answered] = await rows('f1');
    expect(throttled).toMatchObject({ modelId: MICRO, status: 'failed', cooled: true, cacheMiss: true });
    expect(throttled).not.toHaveProperty('fallback');
    expect(answered).toMatchObject({ modelId: LITE, status: 'ok', fallback: true });
    expect(answered).not.toHaveProperty('cooled');
    expect(answered).not.toHaveProperty('cacheMiss');
    expect((await report()).routing).toEqual({ fallbacks: 1, cooldowns: 1, quotaWaits: 0 });
    expect((await report()).cache).toMatchObject({ hits: 0, misses: 1 });
  });

  test('a 5xx under the failure threshold falls back without a cooldown', async () => {
    stack = await startModelStack();
    await stack.emulator.control.fault({ modelId: MICRO, exception: 'InternalServerException', count: 1 });
    await stack.models.service.text({ prompt: 'once', maxTokens: 16, cache: false }, meta('g1'));
    const [failed, answered] = await rows('g1');
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed).not.toHaveProperty('cooled');
    expect(answered).toMatchObject({ fallback: true });
    expect((await report()).routing).toEqual({ fallbacks: 1, cooldowns: 0, quotaWaits: 0 });
  });

  test("a call that waits for a model's per-minute tokens says so on its row", async () => {
    // 300 tokens a minute on the only model: two calls of ~101 tokens fit, the third waits for the refill.
    stack = await startModelStack({ models: { quotaMaxWaitMs: 10_000 }, overrides: { [MICRO]: { quotas: { tpm: 300 } }, [LITE]: OFF, [HAIKU]: OFF, [HAIKU_APAC]: OFF } });
    await stack.emulator.control.setQuota(MICRO, { rpm: 1000, tpm: 1_000_000 });
    for (const id of ['q1', 'q2', 'q3']) await stack.models.service.text({ prompt: `wait ${id}`, maxTokens: 100, cache: false }, meta(id));
    expect((await rows('q1'))[0]).not.toHaveProperty('quotaWaits');
    const [waited] = await rows('q3');
    expect(waited?.status).toBe('ok');
    expect(waited?.quotaWaits).toBeGreaterThanOrEqual(1);
    expect((await report()).routing).toEqual({ fallbacks: 0, cooldowns: 0, quotaWaits: waited?.quotaWaits });
  });
});
