/**
 * A routing question that names no size (the README's `{"task":"text","strategy":"balanced"}`)
 * is priced on the typical request of the config, says so, and no longer picks the dearest
 * model because every model cost $0.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHost, type RunningHost } from '../helpers/host.ts';

let host: RunningHost;
let appKey: string;

beforeAll(async () => {
  host = await startHost();
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
});
afterAll(async () => {
  await host?.close();
});

const app = (method: string, path: string, body?: unknown) => host.call(method, path, { key: appKey, body });

test("the README's balanced select: a cheap model, priced on 1,000 input and 500 output tokens, and it says so", async () => {
  const res = await app('POST', '/v1/models/select', { task: 'text', strategy: 'balanced' });
  expect(res.status).toBe(200);
  expect(res.body.priced).toEqual({ inputTokens: 1000, outputTokens: 500 });
  expect(res.body.assumed).toEqual(['inputTokens', 'outputTokens']);
  // Amazon Nova Micro: 1 × $0.000035 + 0.5 × $0.00014.
  expect(res.body.model).toMatchObject({ id: 'apac.amazon.nova-micro-v1:0', tier: 'basic' });
  expect(res.body.estimatedCost).toBeCloseTo(0.000105, 12);
  expect(res.body.reasoning).toMatch(/Priced for inputTokens 1000, outputTokens 500; assumed inputTokens, outputTokens/);
  // Every alternative is priced too: none is free, the dearest is far dearer than the choice.
  const costs = res.body.alternatives.map((a: { estimatedCost: number }) => a.estimatedCost);
  expect(Math.min(...costs)).toBeGreaterThan(0);
  expect(Math.max(...costs)).toBeGreaterThan(100 * res.body.estimatedCost);
});

test('sizes the question names are priced as named (zero included); the others are assumed one by one', async () => {
  const named = await app('POST', '/v1/models/select', { task: 'text', strategy: 'cost-first', inputTokens: 0, outputTokens: 0 });
  expect(named.body).toMatchObject({ priced: { inputTokens: 0, outputTokens: 0 }, assumed: [], estimatedCost: 0 });
  const half = await app('POST', '/v1/models/select', { task: 'text', strategy: 'cost-first', inputTokens: 4000 });
  expect(half.body).toMatchObject({ priced: { inputTokens: 4000, outputTokens: 500 }, assumed: ['outputTokens'] });
  const embedding = await app('POST', '/v1/models/select', { task: 'embedding' });
  expect(embedding.body).toMatchObject({ priced: { inputTokens: 1000 }, assumed: ['inputTokens'] });
  expect(embedding.body.estimatedCost).toBeGreaterThan(0);
  const image = await app('POST', '/v1/models/select', { task: 'image', tier: 'premium' });
  expect(image.body).toMatchObject({ priced: { images: 1, width: 1024, height: 1024, quality: 'premium' }, assumed: ['images', 'width', 'height', 'quality'] });
});

test('the cost estimate prices the same typical request, for every candidate and for one model', async () => {
  const all = await app('GET', '/v1/models/costs/estimate?task=text&strategy=balanced');
  expect(all.body).toMatchObject({ priced: { inputTokens: 1000, outputTokens: 500 }, assumed: ['inputTokens', 'outputTokens'] });
  expect(all.body.estimates[0]).toEqual({ model: 'apac.amazon.nova-micro-v1:0', costUsd: expect.closeTo(0.000105, 12) });
  for (const e of all.body.estimates) expect(e.costUsd).toBeGreaterThan(0);
  const one = await app('GET', '/v1/models/costs/estimate?task=text&model=global.anthropic.claude-opus-4-5-20251101-v1:0&outputTokens=1000');
  expect(one.body).toMatchObject({ priced: { inputTokens: 1000, outputTokens: 1000 }, assumed: ['inputTokens'] });
  expect(one.body.estimates).toEqual([{ model: 'global.anthropic.claude-opus-4-5-20251101-v1:0', costUsd: expect.closeTo(0.005 + 0.025, 12) }]);
});

test('the typical request is configuration (EASEL_MODELS_TYPICAL_INPUT_TOKENS, EASEL_MODELS_TYPICAL_OUTPUT_TOKENS)', async () => {
  const other = await startHost({ models: { typicalRequest: { inputTokens: 200, outputTokens: 50 } } });
  try {
    const key = (await other.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
    const res = await other.call('POST', '/v1/models/select', { key, body: { task: 'text' } });
    expect(res.body.priced).toEqual({ inputTokens: 200, outputTokens: 50 });
    expect(res.body.estimatedCost).toBeCloseTo(0.2 * 0.000035 + 0.05 * 0.00014, 12);
  } finally {
    await other.close();
  }
});
