/** game-designer's capabilities through the test kit, on Korean and English input. */
import { modelError } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import { conceptFixture, EN_IDEA, KO_IDEA } from './fixtures.ts';
import { expectOutputOf, game, HANGUL } from './kit.ts';

const langs = [
  ['ko', KO_IDEA],
  ['en', EN_IDEA],
] as const;

describe('concept-creation', () => {
  test.each(langs)('%s: a concept in the idea\'s language, at the premium tier, with the config\'s platforms', async (lang, idea) => {
    const plugin = game(lang);
    const out = await plugin.invoke('game-designer', 'concept-creation', { idea });
    expectOutputOf({ agent: 'game-designer', capability: 'concept-creation' }, out);
    expect(out.language).toBe(lang);
    expect(out.concept.language).toBe(lang);
    expect(HANGUL.test(out.concept.title)).toBe(lang === 'ko');
    expect(out.concept.targetPlatforms).toEqual(['web']);
    expect(out.model).toBe('apac.amazon.nova-lite-v1:0');
    expect(out.cost).toBeGreaterThan(0);
    const [request] = plugin.recorded.models.structured;
    expect(request).toMatchObject({ tier: 'premium', latency: 'slow' });
    expect(request!.prompt).toContain(idea);
    expect(request!.system).toContain(lang === 'ko' ? 'Korean (한국어)' : 'in English');
  });

  test('platforms and multiplayer narrow the schema the model must meet', async () => {
    const plugin = game('en');
    const out = await plugin.invoke('game-designer', 'concept-creation', { idea: EN_IDEA, platforms: ['pc', 'console'], multiplayer: true, genre: 'roguelike' });
    const schema = plugin.recorded.models.structured[0]!.schema as any;
    expect(schema.properties.targetPlatforms).toMatchObject({ minItems: 2, maxItems: 2, items: { enum: ['pc', 'console'] } });
    expect(schema.properties.multiplayer.properties.mode.enum).not.toContain('none');
    expect(out.concept.targetPlatforms).toEqual(['pc', 'console']);
    expect(out.concept.multiplayer.mode).not.toBe('none');
    expect(out.concept.multiplayer.maxPlayers).toBeGreaterThanOrEqual(2);
    expect(plugin.recorded.models.structured[0]!.prompt).toMatch(/Genre: roguelike/);
  });

  test('multiplayer false allows only single-player', async () => {
    const plugin = game('ko');
    const out = await plugin.invoke('game-designer', 'concept-creation', { idea: KO_IDEA, multiplayer: false });
    expect((plugin.recorded.models.structured[0]!.schema as any).properties.multiplayer.properties.mode.enum).toEqual(['none']);
    expect(out.concept.multiplayer).toEqual({ mode: 'none', maxPlayers: 1 });
  });

  test('the config may force the language and change the tier', async () => {
    const plugin = game('en', { config: { language: 'en', tiers: { 'concept-creation': 'standard' } } });
    const out = await plugin.invoke('game-designer', 'concept-creation', { idea: KO_IDEA });
    expect(out.language).toBe('en');
    expect(plugin.recorded.models.structured[0]).toMatchObject({ tier: 'standard' });
  });

  test('a grant below premium is refused by the host with PERMISSION_DENIED, and the code is kept', async () => {
    const plugin = game('en', { grant: { models: { tasks: ['structured'], maxTier: 'standard' } } });
    await expect(plugin.invoke('game-designer', 'concept-creation', { idea: EN_IDEA })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  test('a failed model call keeps its code', async () => {
    const plugin = game('en', { models: { structured: [modelError('BUDGET_EXCEEDED', 'no budget left')] } });
    await expect(plugin.invoke('game-designer', 'concept-creation', { idea: EN_IDEA })).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
  });

  test.each([
    ['a blank idea', { idea: '   ' }],
    ['an idea over 2000 characters', { idea: 'x'.repeat(2001) }],
    ['an unknown platform', { idea: 'x', platforms: ['switch'] }],
    ['a repeated platform', { idea: 'x', platforms: ['web', 'web'] }],
    ['an unknown field', { idea: 'x', budget: 10 }],
  ])('refuses %s before any model call', async (_name, input) => {
    const plugin = game('en');
    await expect(plugin.invoke('game-designer', 'concept-creation', input)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(plugin.recorded.models.structured).toHaveLength(0);
  });
});

describe('mechanics-design', () => {
  test.each(['ko', 'en'] as const)('%s: mechanics with duplicates removed and dependencies limited to the list', async (lang) => {
    const plugin = game(lang);
    const out = await plugin.invoke('game-designer', 'mechanics-design', { concept: conceptFixture(lang), count: 4 });
    expectOutputOf({ agent: 'game-designer', capability: 'mechanics-design' }, out);
    expect(out.language).toBe(lang);
    expect((plugin.recorded.models.structured[0]!.schema as any).properties.mechanics.maxItems).toBe(4);
    const [first] = out.mechanics;
    expect(first.parameters.map((p: { name: string }) => p.name)).toEqual(['moveSpeed']);
    // 'nonexistent' and the mechanic itself are dropped; the other mechanic is kept by its name.
    expect(first.dependsOn).toEqual([out.mechanics[1].name]);
    expect(plugin.recorded.models.structured[0]!.prompt).toContain(conceptFixture(lang).title);
  });

  test('a minimal concept (title and summary) is enough', async () => {
    const plugin = game('en');
    const out = await plugin.invoke('game-designer', 'mechanics-design', { concept: { title: 'Rocket Chef', summary: 'Cook in zero gravity.' } });
    expect(out.language).toBe('en');
    expect(plugin.recorded.models.structured[0]!.prompt).toMatch(/Target platforms: web/);
  });
});

describe('story-development', () => {
  test.each(['ko', 'en'] as const)('%s: the act count follows the length, characters are unique', async (lang) => {
    const plugin = game(lang);
    const out = await plugin.invoke('game-designer', 'story-development', { concept: conceptFixture(lang), length: 'long', tone: 'whimsical' });
    expectOutputOf({ agent: 'game-designer', capability: 'story-development' }, out);
    expect(out.acts).toHaveLength(5);
    expect(out.length).toBe('long');
    expect(out.characters).toHaveLength(1);
    expect(plugin.recorded.models.structured[0]!.system).toMatch(/exactly 5 acts/);
    expect(plugin.recorded.models.structured[0]!.prompt).toMatch(/whimsical/);
  });

  test('medium by default: four acts', async () => {
    const plugin = game('en');
    const out = await plugin.invoke('game-designer', 'story-development', { concept: conceptFixture('en') });
    expect(out.acts).toHaveLength(4);
  });
});

describe('concept-refinement', () => {
  test.each(['ko', 'en'] as const)('%s: the refined concept and a plan whose weeks are computed in order', async (lang) => {
    const plugin = game(lang);
    const out = await plugin.invoke('game-designer', 'concept-refinement', {
      concept: conceptFixture(lang),
      feedback: lang === 'ko' ? '더 짧은 플레이 시간' : 'Shorter sessions',
    });
    expectOutputOf({ agent: 'game-designer', capability: 'concept-refinement' }, out);
    expect(out.concept.language).toBe(lang);
    expect(out.developmentPlan.milestones.map((m: any) => [m.startWeek, m.endWeek])).toEqual([
      [1, 4],
      [5, 10],
      [11, 13],
    ]);
    expect(out.developmentPlan.totalWeeks).toBe(13);
    expect(out.developmentPlan.teamSize).toBe(4);
    expect(plugin.recorded.models.structured[0]).toMatchObject({ tier: 'premium' });
    expect(plugin.recorded.models.structured[0]!.prompt).toMatch(lang === 'ko' ? /더 짧은 플레이 시간/ : /Shorter sessions/);
  });

  test('constraints keep the requested platforms and multiplayer choice in the refined concept', async () => {
    const plugin = game('en');
    const out = await plugin.invoke('game-designer', 'concept-refinement', { concept: conceptFixture('en'), constraints: { platforms: ['mobile', 'pc'], multiplayer: false } });
    const schema = (plugin.recorded.models.structured[0]!.schema as any).properties.concept.properties;
    expect(schema.targetPlatforms).toMatchObject({ minItems: 2, items: { enum: ['mobile', 'pc'] } });
    expect(schema.multiplayer.properties.mode.enum).toEqual(['none']);
    expect(out.concept.targetPlatforms).toEqual(['mobile', 'pc']);
  });
});
