/**
 * Strategies choose what the catalog says they should, for every task kind and tier: the
 * expectations below are computed from the shipped catalog data by the strategies' written
 * definitions, not copied from the router.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { costOf } from '../../host/src/models/cost.ts';
import type { CatalogModel, ModelTask, ModelTier, Strategy } from '../../host/src/models/index.ts';
import { startModelStack, type ModelStack } from './stack.ts';

let stack: ModelStack;
beforeAll(async () => {
  stack = await startModelStack();
});
afterAll(async () => {
  await stack.close();
});

const TIERS: ModelTier[] = ['basic', 'standard', 'premium'];
const TASKS: ModelTask[] = ['text', 'structured', 'image', 'embedding'];
const STRATEGIES: Strategy[] = ['cost-first', 'quality-first', 'balanced'];
const estimate = { inputTokens: 1200, outputTokens: 400, images: 1, width: 1024, height: 1024 };

function expected(task: ModelTask, tier: ModelTier, strategy: Strategy): string | undefined {
  // Images and embeddings: one model each; the tier buys image quality, not a higher model tier.
  const minTier = task === 'image' || task === 'embedding' ? 'basic' : tier;
  const models = stack.models.router.catalog.models.filter((m) => m.available && m.tasks.includes(task) && TIERS.indexOf(m.tier) >= TIERS.indexOf(minTier));
  const quality = tier === 'premium' ? 'premium' : 'standard';
  const cost = (m: CatalogModel) => costOf(m, task, { ...estimate, quality }) as number;
  const best = (list: CatalogModel[], better: (a: CatalogModel, b: CatalogModel) => boolean) => list.reduce<CatalogModel | undefined>((found, m) => (!found || better(m, found) ? m : found), undefined);
  const better = (a: CatalogModel, b: CatalogModel) => TIERS.indexOf(a.tier) > TIERS.indexOf(b.tier) || (a.tier === b.tier && a.quality > b.quality);
  if (strategy === 'cost-first') return best(models, (a, b) => cost(a) < cost(b) || (cost(a) === cost(b) && a.quality > b.quality))?.id;
  if (strategy === 'quality-first') return best(models, better)?.id;
  const floor = Math.min(...models.map(cost));
  return best(models.filter((m) => cost(m) <= floor * 1.5), better)?.id;
}

describe('strategies', () => {
  for (const task of TASKS) {
    for (const tier of TIERS) {
      for (const strategy of STRATEGIES) {
        test(`${task} at ${tier}, ${strategy}`, async () => {
          const want = expected(task, tier, strategy);
          const decision = await stack.models.router.decide({ task, tier, strategy, estimate });
          expect(decision.candidates[0]?.model.id).toBe(want);
          expect(want).toBeDefined();
          if (want) expect(decision.reasoning).toContain(strategy);
        });
      }
    }
  }

  test('known answers from the Seoul catalog', async () => {
    const pick = async (task: ModelTask, tier: ModelTier, strategy: Strategy) => (await stack.models.router.decide({ task, tier, strategy, estimate })).candidates[0]?.model.id;
    expect(await pick('text', 'basic', 'cost-first')).toBe('apac.amazon.nova-micro-v1:0');
    expect(await pick('text', 'basic', 'quality-first')).toBe('global.anthropic.claude-opus-4-5-20251101-v1:0');
    expect(await pick('image', 'basic', 'cost-first')).toBe('amazon.nova-canvas-v1:0');
    const premiumImage = await stack.models.router.decide({ task: 'image', tier: 'premium', estimate });
    expect(premiumImage.candidates[0]?.estimatedCost).toBeCloseTo(0.06, 9);
    expect(await pick('embedding', 'basic', 'balanced')).toBe('amazon.titan-embed-text-v2:0');
  });

  test('the granted tier caps the choice, latency and residency filter it, and each exclusion says why', async () => {
    const capped = await stack.models.router.decide({ task: 'text', tier: 'basic', maxTier: 'standard', strategy: 'quality-first', estimate });
    expect(capped.candidates.every((c) => c.model.tier !== 'premium')).toBe(true);
    expect(capped.excluded.find((e) => e.modelId.includes('opus'))?.reason).toMatch(/above the granted standard/);
    const fast = await stack.models.router.decide({ task: 'text', latency: 'fast', strategy: 'quality-first', estimate });
    expect(fast.candidates.every((c) => c.model.latency === 'fast')).toBe(true);
    const korea = await stack.models.router.decide({ task: 'text', residency: 'in-region', estimate });
    expect(korea.candidates.length).toBeGreaterThan(0);
    expect(korea.candidates.every((c) => c.model.residency === 'in-region')).toBe(true);
    const titan = await stack.models.router.decide({ task: 'image', estimate });
    expect(titan.excluded.find((e) => e.modelId === 'amazon.titan-image-generator-v1')?.reason).toMatch(/not available in Seoul/);
  });

  test('a model that cannot write as many tokens as asked is left out', async () => {
    const long = await stack.models.router.decide({ task: 'text', estimate: { inputTokens: 100, outputTokens: 6000 } });
    expect(long.candidates.some((c) => c.model.id === 'apac.amazon.nova-micro-v1:0')).toBe(false);
    expect(long.excluded.find((e) => e.modelId === 'apac.amazon.nova-micro-v1:0')?.reason).toMatch(/at most 5000 tokens/);
  });

  test('nothing qualifies: the decision is empty and the reasoning lists why', async () => {
    const none = await stack.models.router.decide({ task: 'text', tier: 'premium', maxTier: 'basic', estimate });
    expect(none.candidates).toEqual([]);
    expect(none.reasoning).toMatch(/no model qualifies/);
  });
});
