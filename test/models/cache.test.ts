/**
 * The exact and semantic caches: hits cost nothing, are recorded as hits, and never call a
 * model; `cache: false` always calls; one plugin's cache never answers another plugin.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { NEAR_MISSES, PARAPHRASES } from '../../host/src/models/cache-guard.cases.ts';
import { startModelStack, type ModelStack } from './stack.ts';

let stack: ModelStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const meta = (executionId: string, pluginName = 'tester') => ({ appId: stack!.app, userId: 'kim', pluginName, executionId, maxTier: 'basic' as const });
const converseCalls = async (s: ModelStack) => (await s.emulator.control.calls()).filter((c) => c.op === 'converse').length;

describe('exact cache', () => {
  test('a repeat (whitespace aside) is served from the cache: no model call, cost 0, recorded as a hit', async () => {
    stack = await startModelStack();
    const first = await stack.models.service.text({ prompt: 'What is the tallest mountain in Korea?' }, meta('e1'));
    const again = await stack.models.service.text({ prompt: '  What is the tallest   mountain in Korea? ' }, meta('e2'));
    expect(first.cached).toBe(false);
    expect(again).toMatchObject({ cached: 'exact', cost: 0, text: first.text, model: first.model });
    expect(await converseCalls(stack)).toBe(1);
    const [hit] = await stack.store.usage.listByExecution('e2');
    expect(hit).toMatchObject({ cached: 'exact', costUsd: 0, modelId: first.model, status: 'ok' });
  });

  test('cache: false always calls the model', async () => {
    stack = await startModelStack();
    await stack.models.service.text({ prompt: 'same question' }, meta('e1'));
    const fresh = await stack.models.service.text({ prompt: 'same question', cache: false }, meta('e2'));
    expect(fresh.cached).toBe(false);
    expect(fresh.cost).toBeGreaterThan(0);
    expect(await converseCalls(stack)).toBe(2);
  });

  test('settings that change the answer are part of the key; so is the calling plugin', async () => {
    stack = await startModelStack();
    await stack.models.service.text({ prompt: 'same question' }, meta('e1'));
    expect((await stack.models.service.text({ prompt: 'same question', maxTokens: 50 }, meta('e2'))).cached).toBe(false);
    expect((await stack.models.service.text({ prompt: 'same question', system: 'Answer in Korean' }, meta('e3'))).cached).toBe(false);
    expect((await stack.models.service.text({ prompt: 'same question', tier: 'standard' }, { ...meta('e4'), maxTier: 'standard' })).cached).toBe(false);
    expect((await stack.models.service.text({ prompt: 'same question' }, meta('e5', 'other-plugin'))).cached).toBe(false);
    expect(await converseCalls(stack)).toBe(5);
  });

  test('structured answers and embeddings are cached too', async () => {
    stack = await startModelStack();
    const schema = { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } };
    const a = await stack.models.service.structured({ prompt: 'pick a number', schema }, meta('e1'));
    const b = await stack.models.service.structured({ prompt: 'pick a number', schema }, meta('e2'));
    expect(b).toMatchObject({ cached: 'exact', cost: 0, value: a.value });
    const v1 = await stack.models.service.embed({ text: 'bibimbap' }, meta('e3'));
    const v2 = await stack.models.service.embed({ text: 'bibimbap' }, meta('e4'));
    expect(v2).toMatchObject({ cached: 'exact', cost: 0 });
    expect(v2.vector).toEqual(v1.vector);
  });
});

describe('semantic cache', () => {
  const semantic = { cache: 'semantic' as const };

  test('a near repeat above the threshold is a semantic hit; an unrelated prompt misses', async () => {
    stack = await startModelStack({ models: { cache: { semantic: true, threshold: 0.95 } } });
    const first = await stack.models.service.text({ prompt: 'What is the tallest mountain in the world?', ...semantic }, meta('e1'));
    const near = await stack.models.service.text({ prompt: 'what is the tallest mountain in the world', ...semantic }, meta('e2'));
    expect(near).toMatchObject({ cached: 'semantic', cost: 0, text: first.text });
    const unrelated = await stack.models.service.text({ prompt: 'Give me a recipe for kimchi stew', ...semantic }, meta('e3'));
    expect(unrelated.cached).toBe(false);
    expect(await converseCalls(stack)).toBe(2);
    // Every lookup needed the prompt's embedding, billed to the same user as cache upkeep.
    const rows = await stack.store.usage.listByExecution('e2');
    expect(rows.map((r) => [r.purpose, r.cached ?? null])).toEqual(expect.arrayContaining([['call', 'semantic'], ['cache-embedding', null]]));
  });

  test('only a request that asks for it (cache: semantic) reads or fills the semantic cache, and only on a host that allows it', async () => {
    stack = await startModelStack({ models: { cache: { semantic: true, threshold: 0.95 } } });
    await stack.models.service.text({ prompt: 'What is the tallest mountain in the world?' }, meta('e1'));
    // The first answer was not put in the semantic cache: a near repeat that asks finds nothing.
    expect((await stack.models.service.text({ prompt: 'what is the tallest mountain in the world', ...semantic }, meta('e2'))).cached).toBe(false);
    expect((await stack.models.service.text({ prompt: 'What is the tallest mountain in the world', cache: true }, meta('e3'))).cached).toBe(false);
    expect((await stack.store.usage.listByExecution('e3')).map((r) => r.purpose)).toEqual(['call']);
    await stack.close();
    stack = await startModelStack({ models: { cache: { semantic: false, threshold: 0.95 } } });
    await stack.models.service.text({ prompt: 'What is the tallest mountain in the world?', ...semantic }, meta('e1'));
    expect((await stack.models.service.text({ prompt: 'what is the tallest mountain in the world', ...semantic }, meta('e2'))).cached).toBe(false);
    expect((await stack.store.usage.listByExecution('e2')).map((r) => r.purpose)).toEqual(['call']);
  });

  test('the guard alone keeps every near miss of the test set apart, even with a threshold of 0', async () => {
    stack = await startModelStack({ models: { cache: { semantic: true, threshold: 0 } } });
    const served: string[] = [];
    for (const [i, pair] of NEAR_MISSES.entries()) {
      const user = { ...meta(`near-${i}`), userId: `near-${i}` };
      await stack.models.service.text({ prompt: pair.a, ...semantic }, user);
      if ((await stack.models.service.text({ prompt: pair.b, ...semantic }, user)).cached) served.push(pair.b);
    }
    expect(served).toEqual([]);
    // With a threshold of 0, the guard is all that stands between two prompts: every paraphrase gets through.
    for (const pair of PARAPHRASES) {
      const user = { ...meta('p'), userId: `para-${pair.b}` };
      await stack.models.service.text({ prompt: pair.a, system: 'paraphrases', ...semantic }, user);
      expect((await stack.models.service.text({ prompt: pair.b, system: 'paraphrases', ...semantic }, user)).cached).toBe('semantic');
    }
  });

  test('a near repeat under another system text misses (the system text is part of the partition); so does a prompt over EASEL_MODELS_SEMANTIC_MAX_CHARS', async () => {
    stack = await startModelStack({ models: { cache: { semantic: true, threshold: 0.95, semanticMaxChars: 200 } } });
    const prompt = 'Write a short polite email to my team saying that I will arrive at the office on Monday';
    await stack.models.service.text({ prompt, system: 'Answer in English.', ...semantic }, meta('e1'));
    expect((await stack.models.service.text({ prompt: `${prompt}.`, system: 'Do not answer in English.', ...semantic }, meta('e2'))).cached).toBe(false);
    expect((await stack.models.service.text({ prompt: `${prompt}!`, system: 'Answer in English.', ...semantic }, meta('e3'))).cached).toBe('semantic');
    // Over the limit: neither looked up nor stored (no embedding), the exact cache still serves a repeat.
    const long = `${prompt} ${'and list every agenda item in full detail '.repeat(4)}`;
    expect(long.length).toBeGreaterThan(200);
    await stack.models.service.text({ prompt: long, ...semantic }, meta('e4'));
    expect((await stack.models.service.text({ prompt: `${long}.`, ...semantic }, meta('e5'))).cached).toBe(false);
    expect((await stack.models.service.text({ prompt: long, ...semantic }, meta('e6'))).cached).toBe('exact');
    for (const id of ['e4', 'e5']) expect((await stack.store.usage.listByExecution(id)).map((r) => r.purpose)).toEqual(['call']);
  });

  test('the semantic cache never answers one user with another user\'s answer; residency is part of every key', async () => {
    stack = await startModelStack({ models: { cache: { semantic: true, threshold: 0.95 } } });
    await stack.models.service.text({ prompt: 'Summarise my medical record', ...semantic }, meta('e1'));
    const other = await stack.models.service.text({ prompt: 'summarise my medical record', ...semantic }, { ...meta('e2'), userId: 'lee' });
    expect(other.cached).toBe(false);
    const korea = await stack.models.service.text({ prompt: 'Summarise my medical record', residency: 'in-region', ...semantic }, meta('e3'));
    expect(korea.cached).toBe(false);
    expect(korea.model).toBe('anthropic.claude-3-haiku-20240307-v1:0');
  });

  test('a paraphrase below the threshold misses; lowering the threshold makes it hit', async () => {
    const paraphrases = ['How do I reset my password?', 'how can I reset my password'];
    stack = await startModelStack({ models: { cache: { semantic: true, threshold: 0.99 } } });
    await stack.models.service.text({ prompt: paraphrases[0] as string, ...semantic }, meta('e1'));
    expect((await stack.models.service.text({ prompt: paraphrases[1] as string, ...semantic }, meta('e2'))).cached).toBe(false);
    await stack.close();
    stack = await startModelStack({ models: { cache: { semantic: true, threshold: 0.75 } } });
    await stack.models.service.text({ prompt: paraphrases[0] as string, ...semantic }, meta('e1'));
    expect((await stack.models.service.text({ prompt: paraphrases[1] as string, ...semantic }, meta('e2'))).cached).toBe('semantic');
  });
});
