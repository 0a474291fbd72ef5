/**
 * What the router and the model service announce (metrics read it from the bus): one
 * `model.called` per call answered by a cache or sent to a provider, with its cache result and
 * billed figures; fallbacks, cooldowns, quota waits and budget refusals, each once, with
 * nothing in them that names a user, an app or an execution.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { ModelEvent } from '../../host/src/models/index.ts';
import { startModelStack, type ModelStack, type StackOptions } from './stack.ts';

const MICRO = 'apac.amazon.nova-micro-v1:0';
const LITE = 'apac.amazon.nova-lite-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const HAIKU_APAC = 'apac.anthropic.claude-3-haiku-20240307-v1:0';
const OFF = { available: false, unavailableReason: 'off for this test' };
const USER = 'events-canary-user';

let stack: ModelStack | undefined;
let events: ModelEvent[] = [];
afterEach(async () => {
  await stack?.close();
  stack = undefined;
  events = [];
});

async function start(options: StackOptions = {}): Promise<ModelStack> {
  stack = await startModelStack({ ...options, onEvent: (e) => void events.push(e) });
  return stack;
}
const meta = () => ({ appId: stack!.app, userId: USER, pluginName: 'tester', executionId: 'exec-canary', maxTier: 'basic' as const });
const of = <T extends ModelEvent['type']>(type: T) => events.filter((e): e is Extract<ModelEvent, { type: T }> => e.type === type);

describe('model events', () => {
  test('a miss, then an exact hit, then a call that skips the cache: billed figures on the call that was sent', async () => {
    const s = await start();
    const first = await s.models.service.text({ prompt: 'the same question', maxTokens: 16 }, meta());
    const second = await s.models.service.text({ prompt: 'the same question', maxTokens: 16 }, meta());
    await s.models.service.text({ prompt: 'no cache', maxTokens: 16, cache: false }, meta());
    expect(second.cached).toBe('exact');
    const calls = of('model.called');
    expect(calls.map((c) => [c.modelId, c.task, c.outcome, c.cache])).toEqual([
      [MICRO, 'text', 'ok', 'miss'],
      [MICRO, 'text', 'ok', 'hit'],
      [MICRO, 'text', 'ok', 'bypass'],
    ]);
    expect(calls[0]).toMatchObject({ inputTokens: first.inputTokens, outputTokens: first.outputTokens, images: 0 });
    expect(calls[0]?.costUsd).toBeCloseTo(first.cost, 12);
    expect(calls[1]).toMatchObject({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
    for (const c of calls) expect(c.latencyMs).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(events)).not.toMatch(new RegExp(`${USER}|exec-canary|${s.app}`));
  });

  test('images, embeddings and streams are announced with their task; an image is never looked up in a cache', async () => {
    const s = await start();
    await s.models.service.image({ prompt: 'a kite', width: 512, height: 512, count: 2 }, { ...meta(), maxTier: 'premium' });
    await s.models.service.embed({ text: 'vector me' }, meta());
    const stream = await s.models.service.streamText({ prompt: 'a short tale', maxTokens: 20 }, meta());
    for await (const _ of stream.deltas) void _;
    const calls = of('model.called');
    expect(calls.map((c) => [c.task, c.outcome, c.cache])).toEqual([
      ['image', 'ok', 'bypass'],
      ['embedding', 'ok', 'miss'],
      ['text', 'ok', 'bypass'],
    ]);
    expect(calls[0]?.images).toBe(2);
    expect(calls[2]?.outputTokens).toBeGreaterThan(0);
  });

  test('5xx twice: two fallbacks from the models that failed, and a cooldown once the failure share is reached', async () => {
    const s = await start({ models: { failureMinCalls: 1, failureRate: 0.5 } });
    await s.emulator.control.fault({ modelId: MICRO, exception: 'InternalServerException', count: 1 });
    await s.emulator.control.fault({ modelId: LITE, exception: 'ServiceUnavailableException', count: 1 });
    const answer = await s.models.service.text({ prompt: 'who answers', maxTokens: 16, cache: false }, meta());
    expect(answer.model).toBe(HAIKU);
    expect(of('model.fallback')).toEqual([
      { type: 'model.fallback', task: 'text', modelId: MICRO, reason: 'server' },
      { type: 'model.fallback', task: 'text', modelId: LITE, reason: 'server' },
    ]);
    expect(of('model.cooled').map((e) => [e.modelId, e.reason])).toEqual([
      [MICRO, 'server'],
      [LITE, 'server'],
    ]);
    expect(of('model.called').map((c) => [c.modelId, c.outcome])).toEqual([
      [MICRO, 'failed'],
      [LITE, 'failed'],
      [HAIKU, 'ok'],
    ]);
  });

  test('a failure on the last candidate is no fallback', async () => {
    const s = await start({ overrides: { [LITE]: OFF, [HAIKU]: OFF, [HAIKU_APAC]: OFF } });
    await s.emulator.control.fault({ modelId: MICRO, exception: 'InternalServerException', count: 1 });
    await expect(s.models.service.text({ prompt: 'alone', maxTokens: 16, cache: false }, meta())).rejects.toMatchObject({ code: 'MODEL_CALL_FAILED' });
    expect(of('model.fallback')).toEqual([]);
    expect(of('model.called').map((c) => c.outcome)).toEqual(['failed']);
  });

  test('a budget refusal is announced once, by the scope that bound', async () => {
    const s = await start();
    await s.store.budgets.set({ appId: s.app }, 0);
    await expect(s.models.service.text({ prompt: 'too dear', maxTokens: 16, cache: false }, meta())).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(of('model.budget-refused')).toEqual([{ type: 'model.budget-refused', task: 'text', scope: 'app' }]);
    expect(of('model.called')).toEqual([]);
  });

  test('a burst past the quota waits for it, and the wait is announced', async () => {
    // 60 RPM refills one request a second: past the first 60, each call waits a second more
    // (three calls over, so that one of them waits even if taking the first 60 were slow).
    const s = await start({ models: { quotaMaxWaitMs: 10_000 }, overrides: { [MICRO]: { quotas: { rpm: 60 } }, [LITE]: OFF, [HAIKU]: OFF, [HAIKU_APAC]: OFF } });
    await s.emulator.control.setQuota(MICRO, { rpm: 1000, tpm: 1_000_000 });
    await Promise.all(Array.from({ length: 63 }, (_, i) => s.models.service.text({ prompt: `wave ${i}`, maxTokens: 8, cache: false }, meta())));
    const waits = of('model.quota-waited');
    expect(waits.length).toBeGreaterThanOrEqual(1);
    for (const w of waits) expect(w).toMatchObject({ task: 'text', waitMs: expect.any(Number) });
    expect(waits.every((w) => w.waitMs > 0)).toBe(true);
    expect(of('model.called')).toHaveLength(63);
  });
});
