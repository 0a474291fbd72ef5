/**
 * Fallback and cooldown under faults the emulator scripts: throttling, 5xx, streams that
 * break. The emulator's call log is the witness of what was sent where, and in what order.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { EaselError } from '../../host/src/errors/index.ts';
import { startModelStack, type ModelStack } from './stack.ts';

const MICRO = 'apac.amazon.nova-micro-v1:0';
const LITE = 'apac.amazon.nova-lite-v1:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const HAIKU_APAC = 'apac.anthropic.claude-3-haiku-20240307-v1:0';
const meta = { appId: 'no-budgets', userId: 'bob', pluginName: 'tester', maxTier: 'basic' as const };
const ask = (s: ModelStack, prompt = 'hello there', extra: Record<string, unknown> = {}) => s.models.service.text({ prompt, maxTokens: 32, cache: false, ...extra }, meta);

let stack: ModelStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Resolves once the emulator has received a call (its log records calls on arrival). */
const arrived = (s: ModelStack) => vi.waitFor(async () => expect((await s.emulator.control.calls()).length).toBeGreaterThan(0), { timeout: 10_000 });

async function failure(promise: Promise<unknown>): Promise<EaselError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(EaselError);
  return error as EaselError;
}

describe('fallback', () => {
  test('a throttled primary: the next candidate answers, the primary cools down at once and is skipped', async () => {
    stack = await startModelStack();
    await stack.emulator.control.fault({ modelId: MICRO, exception: 'ThrottlingException', count: 1 });
    const first = await ask(stack);
    expect(first.model).toBe(LITE);
    const second = await ask(stack, 'again');
    expect(second.model).toBe(LITE);
    const calls = await stack.emulator.control.calls();
    expect(calls.map((c) => [c.modelId, c.status])).toEqual([[MICRO, 429], [LITE, 200], [LITE, 200]]);
    const cooling = await stack.models.state.cooling(Date.now());
    expect(cooling.map((c) => c.modelId)).toEqual([MICRO]);
  });

  test('5xx: fallback in strategy order, and a model cools once its failure share reaches the threshold', async () => {
    stack = await startModelStack({ models: { failureMinCalls: 3, failureRate: 0.5 } });
    await stack.emulator.control.fault({ modelId: MICRO, exception: 'InternalServerException', count: 1 });
    await stack.emulator.control.fault({ modelId: LITE, exception: 'ServiceUnavailableException', count: 1 });
    const answer = await ask(stack);
    expect(answer.model).toBe(HAIKU);
    let calls = await stack.emulator.control.calls();
    expect(calls.map((c) => [c.modelId, c.status])).toEqual([[MICRO, 500], [LITE, 503], [HAIKU, 200]]);
    // One failure in one call is under minCalls: no cooldown yet.
    expect(await stack.models.state.cooling(Date.now())).toEqual([]);
    await ask(stack, 'second question'); // micro succeeds: 1 of 2 failed
    await stack.emulator.control.fault({ modelId: MICRO, exception: 'InternalServerException', count: 1 });
    await ask(stack, 'third question'); // micro fails again: 2 of 3 failed, >= 50%
    expect((await stack.models.state.cooling(Date.now())).map((c) => c.modelId)).toEqual([MICRO]);
    await stack.emulator.control.reset();
    await ask(stack, 'fourth question');
    calls = await stack.emulator.control.calls();
    expect(calls.map((c) => c.modelId)).toEqual([LITE]);
  });

  test('a model that does not answer in time is abandoned for the next one', async () => {
    // A timeout the next model's answer fits in even on a loaded machine; a latency far past it.
    stack = await startModelStack({ models: { callTimeoutMs: 1500 } });
    await stack.emulator.control.fault({ modelId: MICRO, latencyMs: 20_000, count: 1 });
    const started = performance.now();
    const answer = await ask(stack);
    expect(answer.model).toBe(LITE);
    // Given up at the timeout, long before the late answer.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(stack.models.health.snapshot(MICRO, Date.now()).lastError?.kind).toBe('timeout');
  });

  test('a cancelled execution aborts its model call at once, with no fallback, and the attempt is recorded', async () => {
    stack = await startModelStack();
    await stack.emulator.control.fault({ modelId: MICRO, latencyMs: 20_000, count: 1 });
    const controller = new AbortController();
    const pending = failure(stack.models.service.text({ prompt: 'slow one', cache: false }, { ...meta, executionId: 'e-cancel', signal: controller.signal }));
    // Cancelled once the emulator holds the call (for 20 s), however long it took to get there.
    await arrived(stack);
    const started = performance.now();
    controller.abort();
    const thrown = await pending;
    expect(thrown.code).toBe('EXECUTION_CANCELLED');
    // Ended by the cancel, not by the answer.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect((await stack.emulator.control.calls()).map((c) => c.modelId)).toEqual([MICRO]);
    const [row] = await stack.store.usage.listByExecution('e-cancel');
    expect(row).toMatchObject({ status: 'failed', errorCode: 'EXECUTION_CANCELLED', costUsd: 0 });
    expect(await stack.models.state.cooling(Date.now())).toEqual([]);
  });

  test('a cancel during the backoff between candidates leaves no budget held', async () => {
    // A backoff the cancel lands in however slowly the throttled answer came back.
    stack = await startModelStack({ models: { backoffBaseMs: 20_000, backoffMaxMs: 20_000 } });
    const bob = { appId: stack.app, userId: 'bob' };
    await stack.store.budgets.set(bob, 10);
    await stack.emulator.control.fault({ modelId: MICRO, exception: 'ThrottlingException', count: 1 });
    const controller = new AbortController();
    const pending = failure(stack.models.service.text({ prompt: 'backing off', cache: false }, { ...meta, ...bob, signal: controller.signal }));
    await vi.waitFor(async () => expect((await stack!.emulator.control.calls()).map((c) => c.status)).toEqual([429]), { timeout: 10_000 });
    controller.abort();
    const thrown = await pending;
    expect(thrown.code).toBe('EXECUTION_CANCELLED');
    const status = await stack.store.budgets.get(bob, new Date().toISOString().slice(0, 7));
    expect(status).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
    expect(await stack.store.budgets.get({ appId: stack.app }, new Date().toISOString().slice(0, 7))).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
    expect((await stack.emulator.control.calls()).map((c) => c.modelId)).toEqual([MICRO]);
  });

  test('a structured schema no model can satisfy fails without cooling any model', async () => {
    stack = await startModelStack();
    const impossible = { type: 'object', required: ['a'], properties: { a: { not: {} } } };
    const thrown = await failure(stack.models.service.structured({ prompt: 'try', schema: impossible, cache: false }, meta));
    expect(thrown.code).toBe('MODEL_OUTPUT_INVALID');
    expect(await stack.models.state.cooling(Date.now())).toEqual([]);
  });

  test('schemas past the size limits and image bombs are refused before any model is called', async () => {
    stack = await startModelStack();
    const wide = { type: 'object', allOf: Array.from({ length: 300 }, (_, i) => ({ if: { properties: { [`x${i}`]: { const: i } } }, then: { required: [`y${i}`] } })) };
    expect((await failure(stack.models.service.structured({ prompt: 'x', schema: wide }, meta))).code).toBe('MODEL_REQUEST_INVALID');
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) deep = { type: 'object', properties: { a: deep } };
    expect((await failure(stack.models.service.structured({ prompt: 'x', schema: deep }, meta))).code).toBe('MODEL_REQUEST_INVALID');
    expect(await stack.emulator.control.calls()).toEqual([]);
    // A PNG header claiming 30000 x 30000 pixels: refused from its header, never inflated.
    const header = Buffer.alloc(33);
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82]).copy(header);
    header.writeUInt32BE(30000, 16);
    header.writeUInt32BE(30000, 20);
    const bomb = await failure(stack.models.service.image({ prompt: 'vary', image: header.toString('base64') }, { ...meta, maxTier: 'premium' }));
    expect(bomb.code).toBe('MODEL_REQUEST_INVALID');
  });

  test('recovery: after its cooldown the model is tried again', async () => {
    // Long enough that the second question is asked while it cools, even on a loaded machine.
    stack = await startModelStack({ models: { throttleCooldownMs: 3000 } });
    await stack.emulator.control.fault({ modelId: MICRO, exception: 'ThrottlingException', count: 1 });
    expect((await ask(stack)).model).toBe(LITE);
    expect((await ask(stack, 'while cooling')).model).toBe(LITE);
    await vi.waitFor(async () => expect(await stack!.models.state.cooling(Date.now())).toEqual([]), { timeout: 10_000, interval: 100 });
    expect((await ask(stack, 'after cooling')).model).toBe(MICRO);
    const health = stack.models.health.snapshot(MICRO, Date.now());
    expect(health).toMatchObject({ calls: 2, errors: 1 });
  });

  test('every candidate cooling: a typed 429 error with retryAfterMs, and nothing is sent', async () => {
    stack = await startModelStack({ models: { throttleCooldownMs: 5000 } });
    await stack.emulator.control.fault({ modelId: '*', exception: 'ThrottlingException', count: 100 });
    const thrown = await failure(ask(stack));
    expect(thrown.code).toBe('MODELS_COOLING');
    expect(thrown.statusCode).toBe(429);
    expect(thrown.details?.retryAfterMs).toBeGreaterThan(0);
    expect(thrown.details?.retryAfterMs).toBeLessThanOrEqual(5000);
    expect((await stack.emulator.control.calls()).map((c) => c.modelId)).toEqual([MICRO, LITE, HAIKU, HAIKU_APAC]);
    await stack.emulator.control.reset();
    const again = await failure(ask(stack, 'anyone?'));
    expect(again.code).toBe('MODELS_COOLING');
    expect(again.details?.retryAfterMs).toBeGreaterThan(0);
    expect(await stack.emulator.control.calls()).toEqual([]);
  });

  test('a request the provider refuses as invalid fails at once, without fallback or cooldown', async () => {
    stack = await startModelStack();
    await stack.emulator.control.fault({ modelId: MICRO, exception: 'ValidationException', count: 1 });
    const thrown = await failure(ask(stack));
    expect(thrown.code).toBe('MODEL_REQUEST_INVALID');
    expect((await stack.emulator.control.calls()).map((c) => c.modelId)).toEqual([MICRO]);
    expect(await stack.models.state.cooling(Date.now())).toEqual([]);
  });
});

describe('streams', () => {
  test('a stream that breaks after some deltas fails with MODEL_STREAM_BROKEN, and what was delivered is billed', async () => {
    stack = await startModelStack();
    await stack.emulator.control.fault({ modelId: MICRO, breakAfterDeltas: 2, count: 1 });
    const { model, deltas } = await stack.models.service.streamText({ prompt: 'a long story please', maxTokens: 200 }, { ...meta, executionId: 'e-broken' });
    expect(model).toBe(MICRO);
    const got: string[] = [];
    const thrown = await (async () => {
      for await (const d of deltas) got.push(d);
    })().then(() => undefined, (e: unknown) => e as EaselError);
    expect(thrown?.code).toBe('MODEL_STREAM_BROKEN');
    expect(got).toHaveLength(2);
    const [row] = await stack.store.usage.listByExecution('e-broken');
    expect(row).toMatchObject({ status: 'failed', errorCode: 'MODEL_STREAM_BROKEN', modelId: MICRO });
    expect(row?.outputTokens).toBeGreaterThan(0);
  });

  test('a stream that breaks before its first delta falls back to the next model', async () => {
    stack = await startModelStack();
    await stack.emulator.control.fault({ modelId: MICRO, breakAfterDeltas: 0, count: 1 });
    const { model, deltas } = await stack.models.service.streamText({ prompt: 'a story please', maxTokens: 60 }, meta);
    expect(model).toBe(LITE);
    let text = '';
    for await (const d of deltas) text += d;
    expect(text).toMatch(/synthetic/i);
  });

  test('a stream closed before it was read is stopped and billed once', async () => {
    stack = await startModelStack();
    const stream = await stack.models.service.streamText({ prompt: 'never read', maxTokens: 60 }, { ...meta, executionId: 'e-unread' });
    await stream.close();
    await stream.close();
    const rows = await stack.store.usage.listByExecution('e-unread');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'ok', outputTokens: 0 });
    expect(rows[0]?.inputTokens).toBeGreaterThan(0);
  });

  test('a stream cut by the call timeout is not reported as complete', async () => {
    // The stream starts well within the timeout even on a loaded machine; read at 200 ms a delta,
    // its 13 deltas take 2.6 s, however fast the machine.
    stack = await startModelStack({ models: { callTimeoutMs: 1500 } });
    const { deltas } = await stack.models.service.streamText({ prompt: 'a very long story please', maxTokens: 2000 }, { ...meta, executionId: 'e-cut' });
    const thrown = await (async () => {
      for await (const _ of deltas) await new Promise((r) => setTimeout(r, 200));
    })().then(() => undefined, (e: unknown) => e as EaselError);
    expect(thrown?.code).toBe('MODEL_STREAM_BROKEN');
    const [row] = await stack.store.usage.listByExecution('e-cut');
    expect(row).toMatchObject({ status: 'failed', errorCode: 'MODEL_STREAM_BROKEN' });
    expect(row?.costUsd).toBeGreaterThan(0);
  });

  test('a stream reset by the provider mid-way also fails cleanly', async () => {
    stack = await startModelStack();
    await stack.emulator.control.fault({ modelId: MICRO, breakAfterDeltas: 1, breakMode: 'reset', count: 1 });
    const { deltas } = await stack.models.service.streamText({ prompt: 'a story please', maxTokens: 60 }, meta);
    const thrown = await (async () => {
      for await (const _ of deltas);
    })().then(() => undefined, (e: unknown) => e as EaselError);
    expect(thrown?.code).toBe('MODEL_STREAM_BROKEN');
  });
});
