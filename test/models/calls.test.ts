/**
 * Each kind of model call through the router, the real Bedrock SDK client and the emulator:
 * text, structured, streamed text, image and embedding, with the usage row each one writes.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startModelStack, type ModelStack } from './stack.ts';

let stack: ModelStack;
const meta = (executionId: string) => ({ appId: stack!.app, userId: 'alice', pluginName: 'tester', executionId });

beforeAll(async () => {
  stack = await startModelStack();
});
afterAll(async () => {
  await stack.close();
});

describe('the emulator a host starts for itself', () => {
  test('its control plane answers only the holder of its token', async () => {
    const { startEmulator, EmulatorControl } = await import('@easel/bedrock-emulator');
    const emulator = await startEmulator({ controlToken: 'secret-token' });
    try {
      expect(await emulator.control.calls()).toEqual([]);
      const stranger = new EmulatorControl(emulator.url);
      await expect(stranger.calls()).rejects.toThrow(/401/);
      await expect(stranger.fault({ modelId: '*', exception: 'ThrottlingException' })).rejects.toThrow(/401/);
      await stranger.close();
    } finally {
      await emulator.close();
    }
  });
});

describe('calls through the real SDK', () => {
  test('text: the cheapest basic model answers, says it is synthetic, and the call is billed', async () => {
    const answer = await stack.models.service.text({ prompt: 'Name three colours of the sea', maxTokens: 64 }, meta('e-text'));
    expect(answer.model).toBe('apac.amazon.nova-micro-v1:0');
    expect(answer.text).toMatch(/synthetic/i);
    expect(answer.outputTokens).toBeGreaterThan(0);
    expect(answer.outputTokens).toBeLessThanOrEqual(64);
    expect(answer.cost).toBeCloseTo((answer.inputTokens * 0.000035 + answer.outputTokens * 0.00014) / 1000, 12);
    const rows = await stack.store.usage.listByExecution('e-text');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ userId: 'alice', pluginName: 'tester', modelId: answer.model, task: 'text', status: 'ok', inputTokens: answer.inputTokens, outputTokens: answer.outputTokens });
    expect(rows[0]?.costUsd).toBeCloseTo(answer.cost, 9);
  });

  test('structured: the value matches the schema that was asked for', async () => {
    const schema = {
      type: 'object',
      required: ['title', 'tags', 'score'],
      additionalProperties: false,
      properties: { title: { type: 'string', minLength: 3 }, tags: { type: 'array', minItems: 1, items: { type: 'string' } }, score: { type: 'integer', minimum: 1, maximum: 5 } },
    };
    const answer = await stack.models.service.structured({ prompt: 'Rate this post: sunsets over Busan', schema }, meta('e-structured'));
    expect(new Ajv2020().validate(schema, answer.value)).toBe(true);
    expect(answer.cost).toBeGreaterThan(0);
    const rows = await stack.store.usage.listByExecution('e-structured');
    expect(rows.map((r) => r.task)).toEqual(['structured']);
  });

  test('stream: deltas arrive one by one, join to the text a plain call gives, and the final usage is recorded', async () => {
    const request = { prompt: 'Tell a short story about a lighthouse keeper', maxTokens: 80, cache: false };
    const { model, deltas } = await stack.models.service.streamText(request, meta('e-stream'));
    const parts: string[] = [];
    let final: IteratorResult<string, { cost: number }>;
    while (!(final = await deltas.next()).done) parts.push(final.value);
    expect(parts.length).toBeGreaterThan(1);
    const plain = await stack.models.service.text(request, meta('e-plain'));
    expect(parts.join('')).toBe(plain.text);
    const [row] = await stack.store.usage.listByExecution('e-stream');
    expect(row).toMatchObject({ modelId: model, status: 'ok', outputTokens: plain.outputTokens, inputTokens: plain.inputTokens });
    expect(final.value.cost).toBeCloseTo(plain.cost, 12);
  });

  test('image: Nova Canvas returns real PNGs of the asked size, billed per image', async () => {
    const answer = await stack.models.service.image({ prompt: 'a cat astronaut, cartoon style', count: 2, width: 512, height: 512 }, meta('e-image'));
    expect(answer.model).toBe('amazon.nova-canvas-v1:0');
    expect(answer.images).toHaveLength(2);
    for (const b64 of answer.images) {
      const png = PNG.sync.read(Buffer.from(b64, 'base64'));
      expect([png.width, png.height]).toEqual([512, 512]);
    }
    expect(answer.images[0]).not.toBe(answer.images[1]);
    expect(answer.cost).toBeCloseTo(2 * 0.04, 9);
    const [row] = await stack.store.usage.listByExecution('e-image');
    expect(row).toMatchObject({ task: 'image', images: 2, status: 'ok' });
  });

  test('image variation: the output depends on the sketch', async () => {
    const sketch = (shade: number) => {
      const png = new PNG({ width: 64, height: 64 });
      png.data.fill(shade);
      return PNG.sync.write(png).toString('base64');
    };
    const a = await stack.models.service.image({ prompt: 'make it a painting', image: sketch(30), width: 512, height: 512 }, meta('e-var-a'));
    const b = await stack.models.service.image({ prompt: 'make it a painting', image: sketch(220), width: 512, height: 512 }, meta('e-var-b'));
    expect(a.images[0]).not.toBe(b.images[0]);
  });

  test('embedding: Titan v2 in Seoul, a normalized vector of its default length', async () => {
    const answer = await stack.models.service.embed({ text: '부산의 바다' }, meta('e-embed'));
    expect(answer.model).toBe('amazon.titan-embed-text-v2:0');
    expect(answer.vector).toHaveLength(1024);
    expect(Math.hypot(...answer.vector)).toBeCloseTo(1, 5);
    const short = await stack.models.service.embed({ text: '부산의 바다', dimensions: 256 }, meta('e-embed-256'));
    expect(short.vector).toHaveLength(256);
  });
});
