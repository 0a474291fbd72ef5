/**
 * Per-key limits (issue 14, "Also"): an app key past EASEL_KEY_REQUESTS_PER_MINUTE gets 429
 * KEY_RATE_LIMITED with retry-after, and one with EASEL_KEY_MAX_CONCURRENT_EXECUTIONS
 * executions in flight gets 429 KEY_CONCURRENCY_LIMITED with nothing recorded. Other keys,
 * admin keys and requests without a valid key are not charged against a key's limit.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { emulatorOf, waitFor } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';

let host: RunningHost;
let control: EmulatorControl;
const newKey = async (label: string) => (await host.call('POST', '/v1/keys', { body: { role: 'app', label } })).body.key as string;

beforeAll(async () => {
  host = await startHost({ keys: { requestsPerMinute: 8, maxConcurrentExecutions: 2 } } as never);
  control = emulatorOf(host);
  const { tarball } = await packWithCli('test/fixtures/plugins/model-user');
  expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await host.call('POST', '/v1/plugins/model-user/enable', { body: { grant: { models: { tasks: ['text'], maxTier: 'basic' } } } })).status).toBe(200);
});
afterAll(async () => {
  await host?.close();
});

describe('requests per minute', () => {
  test('the key past its limit gets 429 KEY_RATE_LIMITED with retry-after; another key, an admin and a keyless request are not charged to it', async () => {
    const [a, b] = [await newKey('a'), await newKey('b')];
    // Requests with a wrong key are refused for that, and count for nobody.
    for (let i = 0; i < 10; i++) expect((await host.call('GET', '/v1/workflows', { key: 'esl_app_not-a-key' })).status).toBe(401);
    for (let i = 0; i < 8; i++) expect((await host.call('GET', '/v1/workflows', { key: a })).status, `request ${i + 1}`).toBe(200);
    const limited = await host.call('GET', '/v1/workflows', { key: a });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      statusCode: 429,
      code: 'KEY_RATE_LIMITED',
      error: 'Too Many Requests',
      message: expect.stringContaining('EASEL_KEY_REQUESTS_PER_MINUTE'),
      details: { limit: 'EASEL_KEY_REQUESTS_PER_MINUTE', max: 8, retryAfterMs: expect.any(Number) },
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await host.call('GET', '/v1/workflows', { key: b })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await host.call('GET', '/v1/plugins')).status).toBe(200);
  });
});

describe('executions at once', () => {
  test('a third execution of a key with two in flight is refused before anything is recorded; other keys go on; the slot comes back when one ends', async () => {
    const [a, b] = [await newKey('busy'), await newKey('other')];
    await control.reset();
    await control.fault({ modelId: '*', latencyMs: 1500, count: Infinity });
    try {
      const call = (key: string, prompt: string) => host.call('POST', '/v1/agents/model-user/writer/text', { key, body: { prompt, maxTokens: 10, cache: false } });
      const first = call(a, 'one');
      const second = call(a, 'two');
      // Watched with the admin key: the app key's own requests count against its rate limit.
      await waitFor('two executions of the key running', async () => {
        const listed = await host.call('GET', '/v1/executions?status=running');
        return listed.body.items?.length === 2;
      });
      const before = (await host.call('GET', '/v1/executions')).body.items.length;
      const third = await call(a, 'three');
      expect(third.status).toBe(429);
      expect(third.body).toMatchObject({ code: 'KEY_CONCURRENCY_LIMITED', details: { limit: 'EASEL_KEY_MAX_CONCURRENT_EXECUTIONS', max: 2 } });
      expect((await host.call('GET', '/v1/executions')).body.items.length).toBe(before);
      // Another key of its own app is not held up by this one.
      expect((await call(b, 'elsewhere')).status).toBe(200);
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      expect((await call(a, 'four')).status).toBe(200);
    } finally {
      await control.reset();
    }
  });
});

describe('a key turned away by a full host', () => {
  let full: RunningHost;
  beforeAll(async () => {
    // One execution at a time on the host and no queue: a second is turned away with EXECUTIONS_BUSY.
    full = await startHost({ keys: { maxConcurrentExecutions: 2 }, orchestration: { maxConcurrent: 1, maxQueued: 0 } } as never);
    const { tarball } = await packWithCli('test/fixtures/plugins/model-user');
    expect((await full.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
    expect((await full.call('POST', '/v1/plugins/model-user/enable', { body: { grant: { models: { tasks: ['text'], maxTier: 'basic' } } } })).status).toBe(200);
  });
  afterAll(async () => {
    await full?.close();
  });

  test('keeps none of its slots: each refusal is EXECUTIONS_BUSY, never the key limit', async () => {
    const key: string = (await full.call('POST', '/v1/keys', { body: { role: 'app', label: 'turned-away' } })).body.key;
    const fullControl = emulatorOf(full);
    await fullControl.fault({ modelId: '*', latencyMs: 3000, count: 1 });
    const call = (prompt: string) => full.call('POST', '/v1/agents/model-user/writer/text', { key, body: { prompt, maxTokens: 10, cache: false } });
    const first = call('one');
    await waitFor('the first execution running', async () => (await full.call('GET', '/v1/executions?status=running')).body.items?.length === 1);
    // Two refusals in a row: had the first kept its key slot, the second would be KEY_CONCURRENCY_LIMITED (2 of 2 held).
    for (const prompt of ['two', 'three']) {
      const refused = await call(prompt);
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: 'EXECUTIONS_BUSY' });
    }
    expect((await first).status).toBe(200);
  });
});
