/**
 * Budgets (held per hop against the model that will bill) and per-model quotas (taken
 * before sending, so the provider is never asked for what it would throttle).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { EaselError } from '../../host/src/errors/index.ts';
import { monthOf } from '../../host/src/models/index.ts';
import { startModelStack, type ModelStack } from './stack.ts';

const MICRO = 'apac.amazon.nova-micro-v1:0';
const LITE = 'apac.amazon.nova-lite-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const HAIKU_APAC = 'apac.anthropic.claude-3-haiku-20240307-v1:0';
const OFF = { available: false, unavailableReason: 'off for this test' };
const meta = (userId: string) => ({ appId: stack!.app, userId, pluginName: 'tester', maxTier: 'basic' as const });
const user = (userId: string) => ({ appId: stack!.app, userId });

let stack: ModelStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const settle = <T>(promise: Promise<T>): Promise<{ value?: T; error?: EaselError }> => promise.then((value) => ({ value }), (error: unknown) => ({ error: error as EaselError }));

describe('budgets', () => {
  test('a cheap primary with an expensive fallback: the fallback is never called when the budget cannot hold it', async () => {
    // Two basic candidates: Nova Micro (cheap) and Nova Lite priced at $1 per 1K tokens.
    stack = await startModelStack({ overrides: { [LITE]: { prices: { inputPer1k: 1, outputPer1k: 1 } }, [HAIKU]: OFF, [HAIKU_APAC]: OFF } });
    await stack.store.budgets.set(user('carol'), 0.05);
    await stack.emulator.control.fault({ modelId: MICRO, exception: 'ThrottlingException', count: 1 });
    const outcome = await settle(stack.models.service.text({ prompt: 'short question', maxTokens: 100, cache: false }, meta('carol')));
    expect(outcome.error?.code).toBe('BUDGET_EXCEEDED');
    expect(outcome.error?.statusCode).toBe(402);
    expect(outcome.error?.details).toMatchObject({ monthlyUsd: 0.05, spentUsd: 0, reservedUsd: 0 });
    expect(outcome.error?.details?.callUsd).toBeGreaterThan(0.05);
    expect((await stack.emulator.control.calls()).map((c) => c.modelId)).toEqual([MICRO]);
    const status = await stack.store.budgets.get(user('carol'), monthOf(Date.now()));
    expect(status.spentUsd).toBe(0);
    expect(status.reservedUsd).toBe(0);
  });

  test('concurrent calls never bill past the budget', async () => {
    stack = await startModelStack({ overrides: { [MICRO]: { prices: { inputPer1k: 0.01, outputPer1k: 0.01 } }, [LITE]: OFF, [HAIKU]: OFF, [HAIKU_APAC]: OFF } });
    const budget = 0.01;
    await stack.store.budgets.set(user('dave'), budget);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => settle(stack!.models.service.text({ prompt: `question number ${i}`, maxTokens: 100, cache: false }, meta('dave')))),
    );
    const refused = results.filter((r) => r.error);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r.error?.code).toBe('BUDGET_EXCEEDED');
    const status = await stack.store.budgets.get(user('dave'), monthOf(Date.now()));
    expect(status.spentUsd).toBeLessThanOrEqual(budget);
    expect(status.reservedUsd).toBe(0);
    const billed = results.reduce((sum, r) => sum + (r.value?.cost ?? 0), 0);
    expect(billed).toBeCloseTo(status.spentUsd, 9);
  });

  test('near the limit the router downgrades: cost-first from a lower tier, and says why', async () => {
    stack = await startModelStack();
    await stack.store.budgets.set(user('erin'), 1);
    const before = await stack.models.router.decide({ task: 'text', tier: 'standard', strategy: 'quality-first', estimate: { inputTokens: 100, outputTokens: 100 } }, user('erin'));
    expect(before.candidates[0]?.model.tier).toBe('premium');
    await stack.store.usage.record({ appId: stack.app, userId: 'erin', task: 'text', modelId: MICRO, purpose: 'call', inputTokens: 0, outputTokens: 0, images: 0, costUsd: 0.85, status: 'ok', latencyMs: 1 });
    const near = await stack.models.router.decide({ task: 'text', tier: 'standard', strategy: 'quality-first', estimate: { inputTokens: 100, outputTokens: 100 } }, user('erin'));
    expect(near.strategy).toBe('cost-first');
    expect(near.candidates[0]?.model.id).toBe(MICRO);
    expect(near.reasoning).toMatch(/budget 85% used/);
  });
});

describe('quotas', () => {
  test('a burst over a model\'s RPM is spread to other models, never sent to throttle', async () => {
    stack = await startModelStack({ overrides: { [MICRO]: { quotas: { rpm: 3 } } } });
    await stack.emulator.control.setQuota(MICRO, { rpm: 3, tpm: 1_000_000 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => stack!.models.service.text({ prompt: `burst ${i}`, maxTokens: 16, cache: false }, meta('frank'))));
    const calls = await stack.emulator.control.calls();
    expect(calls.filter((c) => c.status === 429)).toEqual([]);
    expect(calls.filter((c) => c.modelId === MICRO)).toHaveLength(3);
    expect(results.filter((r) => r.model === LITE)).toHaveLength(5);
  });

  test('with no other model, a burst over the RPM is refused with retryAfterMs, not sent', async () => {
    stack = await startModelStack({ overrides: { [MICRO]: { quotas: { rpm: 3 } }, [LITE]: OFF, [HAIKU]: OFF, [HAIKU_APAC]: OFF } });
    await stack.emulator.control.setQuota(MICRO, { rpm: 3, tpm: 1_000_000 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => settle(stack!.models.service.text({ prompt: `burst ${i}`, maxTokens: 16, cache: false }, meta('gina')))));
    const refused = results.filter((r) => r.error);
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect(r.error?.code).toBe('MODEL_QUOTA_EXHAUSTED');
      expect(r.error?.details?.retryAfterMs).toBeGreaterThan(0);
    }
    const calls = await stack.emulator.control.calls();
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.status === 200)).toBe(true);
  });

  test('a burst that fits in the wait allowed is spread over time instead', async () => {
    // 60 RPM refills one request a second; the 61st and 62nd calls wait for it.
    stack = await startModelStack({ models: { quotaMaxWaitMs: 5000 }, overrides: { [MICRO]: { quotas: { rpm: 60 } }, [LITE]: OFF, [HAIKU]: OFF, [HAIKU_APAC]: OFF } });
    // The provider allows one call more than the host's bucket: its bucket starts a little later
    // than the host's (after the stack is up), so under load an exact match throttles the
    // refilled call. 62 calls still pass 61 only if the host spreads them.
    await stack.emulator.control.setQuota(MICRO, { rpm: 61, tpm: 1_000_000 });
    const results = await Promise.all(Array.from({ length: 62 }, (_, i) => settle(stack!.models.service.text({ prompt: `wave ${i}`, maxTokens: 8, cache: false }, meta('hana')))));
    expect(results.filter((r) => r.error)).toEqual([]);
    const calls = await stack.emulator.control.calls();
    expect(calls.filter((c) => c.status !== 200)).toEqual([]);
    const times = calls.map((c) => c.at).sort((a, b) => a - b);
    expect((times.at(-1) as number) - (times[0] as number)).toBeGreaterThanOrEqual(900);
  });

  test('a request larger than the model\'s TPM can never go to it', async () => {
    stack = await startModelStack({ overrides: { [MICRO]: { quotas: { tpm: 100 } } } });
    const answer = await stack.models.service.text({ prompt: 'x'.repeat(800), maxTokens: 16, cache: false }, meta('ivan'));
    expect(answer.model).toBe(LITE);
    expect((await stack.emulator.control.calls()).map((c) => c.modelId)).toEqual([LITE]);
  });
});
