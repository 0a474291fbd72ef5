/**
 * The semantic cache answers only the question it was asked (issue 14, item 8). A plugin in
 * its isolate asks through `ctx.models.text`; the host embeds with the built-in emulator, as
 * in the offline default. "I will not arrive on Monday" was served the answer cached for "I
 * will arrive on Monday": the two are above the 0.95 threshold on similarity alone. Now the
 * semantic cache is off unless the admin allows it and the request asks for it
 * (`cache: 'semantic'`), and a guard keeps prompts that differ in negation, numbers, dates or
 * names apart (host/src/models/cache-guard.ts, its test set in cache-guard.cases.ts).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { NEAR_MISSES, PARAPHRASES } from '../../host/src/models/cache-guard.cases.ts';
import { normalizeText } from '../../host/src/models/cache-keys.ts';
import { startChildHost, type ChildHost } from '../helpers/child-host.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { packWithCli } from '../helpers/pack.ts';

const THRESHOLD = 0.95;
/** The catalog's embedding model, which the cache's lookups use. */
const EMBEDDER = 'amazon.titan-embed-text-v2:0';
const ARRIVE = 'Write a short polite email to my team saying that I will arrive at the office on Monday';
const NOT_ARRIVE = 'Write a short polite email to my team saying that I will not arrive at the office on Monday';

type Call = (method: string, path: string, options?: { key?: string | null; body?: unknown; raw?: Buffer; headers?: Record<string, string> }) => Promise<{ status: number; body: any }>;

/** Installs model-user (its capabilities pass their input to ctx.models) granted text only; returns an app key. */
async function setUp(call: Call): Promise<string> {
  const { tarball } = await packWithCli('test/fixtures/plugins/model-user');
  expect((await call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await call('POST', '/v1/plugins/model-user/enable', { body: { grant: { models: { tasks: ['text'], maxTier: 'basic' } } } })).status).toBe(200);
  return (await call('POST', '/v1/keys', { body: { role: 'app', label: 'semantic-cache' } })).body.key;
}

const asker = (call: Call, key: string) => async (body: Record<string, unknown>, user = 'ana', capability = 'text') => {
  const res = await call('POST', `/v1/agents/model-user/writer/${capability}`, { key, body, headers: { 'x-easel-user': user } });
  return res;
};

describe('on a host whose admin allows the semantic cache', () => {
  let host: RunningHost;
  let ask: ReturnType<typeof asker>;
  let control: EmulatorControl;
  const converseCalls = async () => (await control.calls()).filter((c) => c.op === 'converse').length;
  /** Cosine similarity of two prompts with the embeddings the cache uses: the host's emulator, asked as the host asks it. */
  const similarity = async (a: string, b: string) => {
    const client = new BedrockRuntimeClient({ region: 'ap-northeast-2', endpoint: host.host.models.emulator?.url, credentials: { accessKeyId: 'probe', secretAccessKey: 'probe' } });
    const embed = async (text: string): Promise<number[]> => {
      const body = JSON.stringify({ inputText: normalizeText(text), dimensions: 1024, normalize: true });
      const out = await client.send(new InvokeModelCommand({ modelId: EMBEDDER, body, contentType: 'application/json' }));
      return JSON.parse(new TextDecoder().decode(out.body)).embedding;
    };
    const [x, y] = await Promise.all([embed(a), embed(b)]);
    client.destroy();
    return (x as number[]).reduce((sum, v, i) => sum + v * ((y as number[])[i] as number), 0);
  };

  beforeAll(async () => {
    host = await startHost({ models: { cache: { semantic: true, threshold: THRESHOLD } } });
    ask = asker(host.call, await setUp(host.call));
    control = host.host.models.emulator?.control as EmulatorControl;
    expect(control).toBeDefined();
  });
  afterAll(async () => {
    await host?.close();
  });

  test('the negated prompt is not served the answer cached for the positive one, though the two are above the threshold', async () => {
    expect(await similarity(ARRIVE, NOT_ARRIVE)).toBeGreaterThanOrEqual(THRESHOLD);
    await control.reset();
    const first = await ask({ prompt: ARRIVE, cache: 'semantic' });
    expect(first.status).toBe(200);
    expect(first.body.output.cached).toBe(false);
    const negated = await ask({ prompt: NOT_ARRIVE, cache: 'semantic' });
    expect(negated.status).toBe(200);
    expect(negated.body.output).toMatchObject({ cached: false });
    expect(negated.body.output.cost).toBeGreaterThan(0);
    expect(negated.body.output.text).not.toBe(first.body.output.text);
    expect(await converseCalls()).toBe(2);
    const rows = await host.host.store.usage.listByExecution(negated.body.executionId);
    expect(rows.map((r) => [r.purpose, r.cached ?? null]).sort()).toEqual([['cache-embedding', null], ['call', null]]);
    // Nothing changed for either question: each one's paraphrase gets its own answer.
    const again = await ask({ prompt: 'write a short, polite email to my team saying that I will arrive at the office on Monday.', cache: 'semantic' });
    expect(again.body.output).toMatchObject({ cached: 'semantic', cost: 0, text: first.body.output.text });
    const againNot = await ask({ prompt: 'write a short, polite email to my team saying that I will not arrive at the office on Monday.', cache: 'semantic' });
    expect(againNot.body.output).toMatchObject({ cached: 'semantic', cost: 0, text: negated.body.output.text });
    expect(await converseCalls()).toBe(2);
  });

  test('every near miss of the test set (English and Korean) misses; a paraphrase hits exactly when it is above the threshold', { timeout: 120_000 }, async () => {
    await control.reset();
    const served: string[] = [];
    // A user per pair (semantic entries are per user) and a system text per set (it is part of
    // every key): only the pair's two prompts meet.
    const system = (set: string) => `You answer prompts of the ${set} set.`;
    for (const [i, pair] of NEAR_MISSES.entries()) {
      const user = `near-${i}`;
      expect((await ask({ prompt: pair.a, system: system('near-miss'), cache: 'semantic' }, user)).body.output.cached).toBe(false);
      const b = await ask({ prompt: pair.b, system: system('near-miss'), cache: 'semantic' }, user);
      expect(b.status).toBe(200);
      if (b.body.output.cached !== false) served.push(`${pair.lang} ${pair.kind}: ${pair.b}`);
    }
    expect(served).toEqual([]);
    expect(await converseCalls()).toBe(2 * NEAR_MISSES.length);

    let hits = 0;
    for (const [i, pair] of PARAPHRASES.entries()) {
      const user = `para-${i}`;
      const a = await ask({ prompt: pair.a, system: system('paraphrase'), cache: 'semantic' }, user);
      expect({ pair: pair.a, cached: a.body.output.cached }).toEqual({ pair: pair.a, cached: false });
      const b = await ask({ prompt: pair.b, system: system('paraphrase'), cache: 'semantic' }, user);
      const above = (await similarity(pair.a, pair.b)) >= THRESHOLD;
      expect({ pair: pair.b, cached: b.body.output.cached }).toEqual({ pair: pair.b, cached: above ? 'semantic' : false });
      if (above) {
        expect(b.body.output.text).toBe(a.body.output.text);
        hits++;
      }
    }
    // The emulator's embeddings are bags of words: rewordings that keep the words hit, others do not.
    expect(hits).toBeGreaterThanOrEqual(10);
  });

  test('a request that does not ask for the semantic cache is never answered from it, and pays for no embedding', async () => {
    await control.reset();
    const prompt = 'Remind the whole team that the quarterly planning meeting takes place on Monday morning in the big room';
    const first = await ask({ prompt, cache: 'semantic' }, 'carol');
    expect(first.body.output.cached).toBe(false);
    for (const [variant, cache] of [[`${prompt}.`, undefined], [`${prompt}!`, true]] as const) {
      const res = await ask({ prompt: variant, ...(cache === undefined ? {} : { cache }) }, 'carol');
      expect(res.body.output.cached).toBe(false);
      const rows = await host.host.store.usage.listByExecution(res.body.executionId);
      expect(rows.map((r) => r.purpose)).toEqual(['call']);
    }
    // cache: false neither reads nor fills either cache.
    expect((await ask({ prompt, cache: false }, 'carol')).body.output.cached).toBe(false);
    expect(await converseCalls()).toBe(4);
  });

  test('a cache value other than true, false or "semantic" is refused before any model call; a stream takes only false', async () => {
    await control.reset();
    for (const cache of ['fuzzy', 'SEMANTIC', 1, null]) {
      const res = await ask({ prompt: ARRIVE, cache });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MODEL_REQUEST_INVALID');
    }
    const stream = await ask({ prompt: ARRIVE, cache: 'semantic' }, 'ana', 'stream');
    expect(stream.status).toBe(400);
    expect(stream.body.code).toBe('MODEL_REQUEST_INVALID');
    expect(await control.calls()).toEqual([]);
  });
});

describe('on a host started with its defaults', () => {
  let child: ChildHost;
  beforeAll(async () => {
    child = await startChildHost();
  });
  afterAll(async () => {
    await child?.close();
  });

  test('the semantic cache is off, even for a request that asks for it; the exact cache still serves repeats', async () => {
    const ask = asker(child.call, await setUp(child.call));
    const first = await ask({ prompt: ARRIVE, cache: 'semantic' });
    expect(first.status).toBe(200);
    expect(first.body.output.cached).toBe(false);
    const paraphrase = await ask({ prompt: `${ARRIVE}.`, cache: 'semantic' });
    expect(paraphrase.body.output.cached).toBe(false);
    expect(paraphrase.body.output.cost).toBeGreaterThan(0);
    expect((await ask({ prompt: NOT_ARRIVE, cache: 'semantic' })).body.output.cached).toBe(false);
    expect((await ask({ prompt: ARRIVE, cache: 'semantic' })).body.output).toMatchObject({ cached: 'exact', cost: 0, text: first.body.output.text });
  });
});
