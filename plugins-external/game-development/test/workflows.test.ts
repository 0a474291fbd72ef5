/**
 * The workflows through the test kit: own agents run by their handlers (each call recorded as
 * a step), canvas stubbed, model answers scripted. The middle phases of game-concept-creation
 * are shown to run at the same time by model scripts that wait until all three have started.
 */
import { Script } from 'node:vm';
import { createTestContext, modelError } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import definition from '../src/index.ts';
import { answerFor, conceptFixture, EN_IDEA, KO_IDEA } from './fixtures.ts';
import { expectOutputOf, game, HANGUL, manifest } from './kit.ts';

const MIDDLE: Record<string, string> = { assets: 'asset-analysis', architecture: 'feasibility-analysis', scenarios: 'scenario-generation' };
const phaseOf = (request: { schema: Record<string, unknown> }) => Object.entries(MIDDLE).find(([key]) => (request.schema.required as string[]).includes(key))?.[1];

/** Resolves once `n` callers have arrived; a caller left waiting alone is a failure, not a hang. */
function barrier(n: number) {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return async () => {
    if (++arrived === n) open();
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      // Only turns a hang into a readable failure; nothing is asserted about time.
      timer = setTimeout(() => reject(new Error(`only ${arrived} of ${n} phases started: they did not run concurrently`)), 20_000);
    });
    try {
      await Promise.race([opened, stuck]);
    } finally {
      clearTimeout(timer);
    }
  };
}

describe('game-concept-creation', () => {
  test.each([
    ['ko', KO_IDEA],
    ['en', EN_IDEA],
  ] as const)('%s: concept, three phases at once, refinement; agents, steps and totals', async (lang, idea) => {
    const events: string[] = [];
    const arrive = barrier(3);
    const plugin = game(lang, {
      models: {
        structured: async (request) => {
          const phase = phaseOf(request as never);
          if (phase) {
            events.push(`start ${phase}`);
            await arrive();
            events.push(`end ${phase}`);
          }
          return answerFor(request as never, lang);
        },
      },
    });
    const out = await plugin.run('game-concept-creation', { idea });
    expectOutputOf({ workflow: 'game-concept-creation' }, out);

    // All three started before any of them finished.
    expect(events.slice(0, 3).every((e) => e.startsWith('start'))).toBe(true);
    expect(new Set(events.slice(0, 3)).size).toBe(3);
    expect(events).toHaveLength(6);

    expect(plugin.recorded.agents.map((a) => `${a.agent}.${a.capability}`)).toEqual([
      'game-development/game-designer.concept-creation',
      'game-development/asset-generator.asset-analysis',
      'game-development/code-generator.feasibility-analysis',
      'game-development/playtester.scenario-generation',
      'game-development/game-designer.concept-refinement',
    ]);
    expect(out.agentsUsed).toEqual(['game-designer', 'asset-generator', 'code-generator', 'playtester']);
    expect(out.steps.map((s: any) => s.capability)).toEqual(['concept-creation', 'asset-analysis', 'feasibility-analysis', 'scenario-generation', 'concept-refinement']);
    for (const step of out.steps) expect(step).toMatchObject({ model: 'apac.amazon.nova-lite-v1:0', cost: expect.any(Number) });
    expect(out.steps.every((s: any) => s.cost > 0)).toBe(true);
    expect(out.totalCost).toBeCloseTo(out.steps.reduce((sum: number, s: any) => sum + s.cost, 0), 9);
    expect(out.durationMs).toBeGreaterThanOrEqual(0);

    // Every step works in the idea's language and gets what the one before it produced.
    expect(out.language).toBe(lang);
    expect(HANGUL.test(out.title)).toBe(lang === 'ko');
    for (const call of plugin.recorded.agents) expect((call.input as any).language).toBe(lang);
    const refinement = plugin.recorded.agents[4]!.input as any;
    expect(refinement.assets).toEqual(out.assetRequirements.assets);
    expect(refinement.technicalSpecification).toEqual(out.technicalSpecification);
    expect(refinement.playtestScenarios).toEqual(out.playtestPlan.scenarios);

    expect(out.technicalSpecification.complexity.level).toBe('simple');
    expect(out.developmentPlan.totalWeeks).toBe(13);
    expect(out.playtestPlan.totalMinutes).toBe(65);
    expect(plugin.recorded.progress.map((p) => (p.data as any).phase)).toEqual(['concept', 'analysis', 'refinement', 'done']);
  });

  test('request constraints reach the concept step', async () => {
    const plugin = game('en');
    const out = await plugin.run('game-concept-creation', { idea: EN_IDEA, platforms: ['mobile'], multiplayer: false, genre: 'puzzle', targetAudience: 'kids' });
    expect(plugin.recorded.agents[0]!.input).toEqual({ idea: EN_IDEA, platforms: ['mobile'], multiplayer: false, genre: 'puzzle', targetAudience: 'kids', language: 'en' });
    expect(plugin.recorded.agents[4]!.input).toMatchObject({ constraints: { platforms: ['mobile'], multiplayer: false } });
    expect(out.concept.targetPlatforms).toEqual(['mobile']);
    expect(out.concept.multiplayer.mode).toBe('none');
  });

  test('a failed phase fails the run with its code, and refinement never runs', async () => {
    const plugin = game('en', {
      models: {
        structured: (request) => {
          if (phaseOf(request as never) === 'feasibility-analysis') throw modelError('MODEL_CALL_FAILED', 'every candidate failed');
          return answerFor(request as never, 'en');
        },
      },
    });
    await expect(plugin.run('game-concept-creation', { idea: EN_IDEA })).rejects.toMatchObject({ code: 'MODEL_CALL_FAILED' });
    expect(plugin.recorded.agents.map((a) => a.capability)).not.toContain('concept-refinement');
  });

  test('refuses a blank idea', async () => {
    await expect(game('en').run('game-concept-creation', { idea: ' \n ' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('asset-creation', () => {
  test.each(['ko', 'en'] as const)('%s: from a concept: the asset list, then sprites up to maxSprites', async (lang) => {
    const plugin = game(lang);
    const out = await plugin.run('asset-creation', { concept: conceptFixture(lang), maxSprites: 3, style: 'illustration' });
    expectOutputOf({ workflow: 'asset-creation' }, out);
    expect(plugin.recorded.agents.map((a) => `${a.agent.replace('game-development/', '')}.${a.capability}`)).toEqual([
      'asset-generator.asset-analysis',
      'asset-generator.sprite-generation',
      'canvas/image-generator.text-to-image',
      'canvas/image-generator.text-to-image',
      'canvas/image-generator.text-to-image',
    ]);
    // background, the high sprite and the ui drawn; the low sprite over the limit; audio skipped.
    expect(out.sprites.map((s: any) => [s.type, s.status])).toEqual([
      ['background', 'generated'],
      ['sprite', 'generated'],
      ['ui', 'generated'],
      ['audio', 'skipped'],
      ['sprite', 'skipped'],
    ]);
    expect(out).toMatchObject({ generated: 3, failed: 0, skipped: 2, language: lang, agentsUsed: ['asset-generator', 'canvas/image-generator'] });
    expect(out.totalCost).toBeCloseTo(out.steps[0].cost + 0.12, 9);
    expect(HANGUL.test(out.sprites[3].reason)).toBe(lang === 'ko');
    for (const call of plugin.recorded.agents.filter((a) => a.agent === 'canvas/image-generator')) expect(call.input).toMatchObject({ style: 'illustration', count: 1, size: '512x512' });
  });

  test('from a list: no analysis; sprites drawn four per step', async () => {
    const plugin = game('en');
    const assets = Array.from({ length: 6 }, (_, i) => ({ name: `Sprite ${i}` }));
    const out = await plugin.run('asset-creation', { assets, maxSprites: 6 });
    const steps = plugin.recorded.agents.filter((a) => a.agent.startsWith('game-development/'));
    expect(steps.map((s) => s.capability)).toEqual(['sprite-generation', 'sprite-generation']);
    expect(steps.map((s) => (s.input as any).assets.length)).toEqual([4, 2]);
    expect(out.generated).toBe(6);
    expect(plugin.recorded.progress.map((p) => p.message)).toEqual(['sprites: drawing 1-4 of 6', 'sprites: drawing 5-6 of 6', 'done']);
  });

  test('a batch that failed entirely is reported; the run goes on', async () => {
    let n = 0;
    const plugin = game('en', {
      agents: {
        'canvas/image-generator': {
          'text-to-image': (input: { keywords: string[] }) => {
            if (n++ < 4) throw modelError('MODEL_CALL_FAILED', 'busy');
            return answerCanvas(input);
          },
        },
      },
    });
    const out = await plugin.run('asset-creation', { assets: Array.from({ length: 5 }, (_, i) => ({ name: `S${i}` })), maxSprites: 5 });
    expect(out.sprites.map((s: any) => s.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'generated']);
    expect(out.sprites[0]).toMatchObject({ errorCode: 'MODEL_CALL_FAILED' });
  });

  test('neither a concept nor assets: INPUT_INVALID', async () => {
    await expect(game('en').run('asset-creation', { style: 'cartoon' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

function answerCanvas(input: { keywords: string[] }) {
  return { images: [{ blobId: 'b', url: 'http://easel.test/b', width: 512, height: 512, contentType: 'image/png', model: 'amazon.nova-canvas-v1:0', cost: 0.04 }], prompt: input.keywords.join(', '), negativePrompt: '' };
}

describe('code-generation', () => {
  test('from a concept: one step, and a script that parses', async () => {
    const plugin = game('en');
    const out = await plugin.run('code-generation', { concept: conceptFixture('en'), difficulty: 'easy' });
    expectOutputOf({ workflow: 'code-generation' }, out);
    expect(() => new Script(out.script)).not.toThrow();
    expect(out.checks).toMatchObject({ parses: true, parseCheck: 'function-constructor', safeInHtml: true });
    expect(out.agentsUsed).toEqual(['code-generator']);
    expect(out.difficulty).toBe('easy');
    expect(out.totalCost).toBe(out.steps[0].cost);
  });

  test('from a Korean idea: the concept first, then the game, in Korean', async () => {
    const plugin = game('ko');
    const out = await plugin.run('code-generation', { idea: KO_IDEA, platforms: ['mobile'] });
    expectOutputOf({ workflow: 'code-generation' }, out);
    expect(out.agentsUsed).toEqual(['game-designer', 'code-generator']);
    expect(plugin.recorded.agents[0]!.input).toEqual({ idea: KO_IDEA, language: 'ko', platforms: ['mobile'] });
    expect(out.concept.language).toBe('ko');
    expect(out.language).toBe('ko');
    expect(out.html).toContain('<html lang="ko">');
    expect(() => new Function(out.script)).not.toThrow();
  });

  test('neither a concept nor an idea: INPUT_INVALID', async () => {
    await expect(game('en').run('code-generation', { difficulty: 'hard' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('cost previews', () => {
  const workflows = definition.workflows as Record<string, { estimate: (input: unknown, ctx: unknown) => any }>;

  test('game-concept-creation: five structured steps at the configured tiers', () => {
    const { ctx } = createTestContext({ manifest, config: { tiers: { 'scenario-generation': 'basic' } } });
    const { steps } = workflows['game-concept-creation']!.estimate({ idea: KO_IDEA }, ctx);
    expect(steps.map((s: any) => [s.agent, s.capability, s.model.tier])).toEqual([
      ['game-designer', 'concept-creation', 'premium'],
      ['asset-generator', 'asset-analysis', 'standard'],
      ['code-generator', 'feasibility-analysis', 'standard'],
      ['playtester', 'scenario-generation', 'basic'],
      ['game-designer', 'concept-refinement', 'premium'],
    ]);
  });

  test('asset-creation: an image per sprite, a step per four', () => {
    const { ctx } = createTestContext({ manifest });
    const fromList = workflows['asset-creation']!.estimate({ assets: [{ name: 'a' }, { name: 'b', type: 'audio' }, { name: 'c' }], maxSprites: 16 }, ctx);
    expect(fromList.steps).toEqual([
      { agent: 'asset-generator', capability: 'sprite-generation', count: 1 },
      { agent: 'canvas/image-generator', capability: 'text-to-image', count: 2, model: { task: 'image', images: 1 } },
    ]);
    const fromConcept = workflows['asset-creation']!.estimate({ concept: conceptFixture('en') }, ctx);
    expect(fromConcept.steps.map((s: any) => [s.capability, s.count ?? 1])).toEqual([
      ['asset-analysis', 1],
      ['sprite-generation', 1],
      ['text-to-image', 4],
    ]);
  });

  test('code-generation: the concept step only for an idea', () => {
    const { ctx } = createTestContext({ manifest });
    expect(workflows['code-generation']!.estimate({ idea: 'x' }, ctx).steps.map((s: any) => s.capability)).toEqual(['concept-creation', 'script-generation']);
    expect(workflows['code-generation']!.estimate({ concept: conceptFixture('en') }, ctx).steps.map((s: any) => s.capability)).toEqual(['script-generation']);
  });
});
