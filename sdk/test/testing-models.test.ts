/**
 * ctx.models in the test kit: scripted answers (queues, functions, errors with codes,
 * defaults), the host's request checks, and answers from the real Bedrock emulator
 * (`@easel/bedrock-emulator`) over HTTP.
 */
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestContext, DEFAULT_TEST_MODELS, DEFAULT_TEXT, modelError } from '../src/testing/index.ts';
import { codeOf, manifestWith, PNG_BYTES } from './testing-helpers.ts';

const manifest = manifestWith({ models: { tasks: ['text', 'structured', 'image', 'embedding'], maxTier: 'premium' } });
const isPng = (bytes: Uint8Array) => bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;

async function collect(stream: AsyncIterable<string>): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('scripted answers', () => {
  test('a queue is used in order, an Error in it is thrown with its code, then the default answers', async () => {
    const { ctx, recorded } = createTestContext({ manifest, models: { text: ['one', modelError('MODEL_CALL_FAILED', 'down'), { text: 'three', model: 'my-model', cost: 1 }] } });
    const first = await ctx.models.text({ prompt: 'a', system: 'be brief', temperature: 0 });
    expect(first).toEqual({ text: 'one', model: DEFAULT_TEST_MODELS.text, inputTokens: 3, outputTokens: 1, cost: expect.any(Number), cached: false, stopReason: 'end_turn' });
    await expect(ctx.models.text({ prompt: 'b' })).rejects.toMatchObject({ code: 'MODEL_CALL_FAILED', message: 'down' });
    expect(await ctx.models.text({ prompt: 'c' })).toMatchObject({ text: 'three', model: 'my-model', cost: 1 });
    expect((await ctx.models.text({ prompt: 'd' })).text).toBe(DEFAULT_TEXT);
    expect(recorded.models.text).toEqual([{ prompt: 'a', system: 'be brief', temperature: 0 }, { prompt: 'b' }, { prompt: 'c' }, { prompt: 'd' }]);
  });

  test('a function answers from the request; what it throws without a code is MODEL_CALL_FAILED', async () => {
    const { ctx } = createTestContext({
      manifest,
      models: {
        text: (request) => {
          if (request.prompt === 'boom') throw new Error('scripted failure');
          return `echo ${request.prompt}`;
        },
      },
    });
    expect((await ctx.models.text({ prompt: 'hi' })).text).toBe('echo hi');
    await expect(ctx.models.text({ prompt: 'boom' })).rejects.toMatchObject({ code: 'MODEL_CALL_FAILED', message: 'scripted failure' });
  });

  test('structured: the scripted value is checked against the schema; nothing scripted is a clear failure', async () => {
    const schema = { type: 'object', required: ['title'], properties: { title: { type: 'string' } } };
    const { ctx } = createTestContext({ manifest, models: { structured: [{ title: 'ok' }, { title: 7 }] } });
    expect(await ctx.models.structured({ prompt: 'p', schema })).toMatchObject({ value: { title: 'ok' }, model: DEFAULT_TEST_MODELS.structured, cached: false });
    expect(await codeOf(ctx.models.structured({ prompt: 'p', schema }))).toBe('MODEL_OUTPUT_INVALID');
    await expect(ctx.models.structured({ prompt: 'p', schema })).rejects.toMatchObject({ code: 'MODEL_CALL_FAILED', message: expect.stringMatching(/models\.structured/) });
    expect(await codeOf(ctx.models.structured({ prompt: 'p', schema: { type: 'nonsense' } }))).toBe('MODEL_REQUEST_INVALID');
  });

  test('image: default PNGs of the asked size, priced as Nova Canvas; the sketch arrives as a copy of its bytes', async () => {
    const { ctx, recorded } = createTestContext({ manifest });
    const sketch = PNG_BYTES.slice();
    const out = await ctx.models.image({ prompt: 'a cat', count: 2, width: 512, height: 640, image: sketch, similarity: 0.5 });
    expect(out).toEqual({ images: [expect.any(Uint8Array), expect.any(Uint8Array)], model: DEFAULT_TEST_MODELS.image, cost: 0.08, width: 512, height: 640 });
    expect(out.images.every(isPng)).toBe(true);
    sketch[0] = 0;
    expect(recorded.models.image).toEqual([{ prompt: 'a cat', count: 2, width: 512, height: 640, similarity: 0.5, image: PNG_BYTES }]);
    expect(await codeOf(ctx.models.image({ prompt: 'x', image: new Uint8Array([1, 2, 3]) }))).toBe('MODEL_REQUEST_INVALID');
  });

  test('embed and streamText defaults: a unit vector of the asked size; the text answer in word chunks', async () => {
    const { ctx } = createTestContext({ manifest, models: { text: ['three little words'], streamText: [['a', 'b']] } });
    const { vector } = await ctx.models.embed({ text: 'hello', dimensions: 256 });
    expect(vector).toHaveLength(256);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 6);
    expect((await ctx.models.embed({ text: 'hello', dimensions: 256 })).vector).toEqual(vector);
    expect(await collect(ctx.models.streamText({ prompt: 'p' }))).toEqual(['a', 'b']);
    expect(await collect(ctx.models.streamText({ prompt: 'p' }))).toEqual(['three ', 'little ', 'words']);
  });

  test('requests are checked as the host checks them, before anything is recorded', async () => {
    const { ctx, recorded } = createTestContext({ manifest });
    const refused = [
      ctx.models.text({ prompt: '' }),
      ctx.models.text({ prompt: 'p', temperature: 2 }),
      ctx.models.text({ prompt: 'p', extra: 1 } as never),
      ctx.models.image({ prompt: 'p', width: 1000 }),
      ctx.models.image({ prompt: 'p', count: 6 }),
      ctx.models.embed({ text: 'p', dimensions: 0 }),
    ];
    for (const call of refused) expect(await codeOf(call)).toBe('MODEL_REQUEST_INVALID');
    expect(Object.values(recorded.models).flat()).toEqual([]);
    await expect(ctx.models.image({ prompt: 'p', width: 1000 })).rejects.toMatchObject({ message: expect.stringContaining('/width') });
  });
});

describe('answers from the Bedrock emulator', () => {
  let emulator: StartedEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ streamDelayMs: 0 });
  });
  afterAll(async () => {
    await emulator?.close();
  });

  test('text, structured, image and embed go to the emulator as Converse and InvokeModel calls', async () => {
    await emulator.control.reset();
    const kit = createTestContext({ manifest, models: { emulator: emulator.url } });
    try {
      const text = await kit.ctx.models.text({ prompt: 'Name three colours', maxTokens: 50 });
      expect(text).toMatchObject({ model: DEFAULT_TEST_MODELS.text, cached: false });
      expect(text.text.length).toBeGreaterThan(0);
      expect(text.inputTokens).toBeGreaterThan(0);
      const schema = { type: 'object', required: ['colours'], properties: { colours: { type: 'array', minItems: 1, items: { type: 'string' } } } };
      const structured = await kit.ctx.models.structured<{ colours: string[] }>({ prompt: 'Three colours', schema });
      expect(structured.value.colours.length).toBeGreaterThan(0);
      const image = await kit.ctx.models.image({ prompt: 'a red square', count: 2, width: 512, height: 512, seed: 3 });
      expect(image).toMatchObject({ model: DEFAULT_TEST_MODELS.image, width: 512, height: 512, cost: 0.08 });
      expect(image.images.map(isPng)).toEqual([true, true]);
      const variation = await kit.ctx.models.image({ prompt: 'the same', image: image.images[0]!, similarity: 0.9, width: 512, height: 512 });
      expect(variation.images).toHaveLength(1);
      const { vector } = await kit.ctx.models.embed({ text: 'hello', dimensions: 256 });
      expect(vector).toHaveLength(256);
      expect((await collect(kit.ctx.models.streamText({ prompt: 'Say hello' }))).join('').length).toBeGreaterThan(0);
      const calls = await emulator.control.calls();
      expect(calls.map((c) => [c.op, c.modelId])).toEqual([
        ['converse', DEFAULT_TEST_MODELS.text],
        ['converse', DEFAULT_TEST_MODELS.structured],
        ['invoke', DEFAULT_TEST_MODELS.image],
        ['invoke', DEFAULT_TEST_MODELS.image],
        ['invoke', DEFAULT_TEST_MODELS.embedding],
        ['converse', DEFAULT_TEST_MODELS.text],
      ]);
      expect(calls[3]).toMatchObject({ taskType: 'IMAGE_VARIATION' });
    } finally {
      await kit.close();
    }
  });

  test('model ids are overridable per task', async () => {
    await emulator.control.reset();
    const kit = createTestContext({ manifest, models: { emulator: emulator.url, modelIds: { text: 'anthropic.claude-3-haiku-20240307-v1:0' } } });
    try {
      expect((await kit.ctx.models.text({ prompt: 'hi' })).model).toBe('anthropic.claude-3-haiku-20240307-v1:0');
      expect((await emulator.control.calls())[0]?.modelId).toBe('anthropic.claude-3-haiku-20240307-v1:0');
    } finally {
      await kit.close();
    }
  });

  test('emulator faults become the host codes: throttling is MODEL_CALL_FAILED, a refused request MODEL_REQUEST_INVALID', async () => {
    await emulator.control.reset();
    const kit = createTestContext({ manifest, models: { emulator: emulator.url } });
    try {
      await emulator.control.fault({ modelId: '*', exception: 'ThrottlingException' });
      await expect(kit.ctx.models.text({ prompt: 'hi' })).rejects.toMatchObject({ code: 'MODEL_CALL_FAILED', message: expect.stringContaining('ThrottlingException') });
      expect(await codeOf(kit.ctx.models.embed({ text: 'hi', dimensions: 100 }))).toBe('MODEL_REQUEST_INVALID');
    } finally {
      await kit.close();
    }
  });

  test('an emulator that is not there is MODEL_CALL_FAILED', async () => {
    const kit = createTestContext({ manifest, models: { emulator: 'http://127.0.0.1:1' } });
    try {
      await expect(kit.ctx.models.text({ prompt: 'hi' })).rejects.toMatchObject({ code: 'MODEL_CALL_FAILED', message: expect.stringContaining('could not be reached') });
    } finally {
      await kit.close();
    }
  });
});
