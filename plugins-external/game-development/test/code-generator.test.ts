/** code-generator through the test kit, and the complexity score it computes in code. */
import { Script } from 'node:vm';
import { describe, expect, test } from 'vitest';
import { levelOf, mechanicsPoints, platformPoints, scoreComplexity, MULTIPLAYER_POINTS } from '../src/complexity.ts';
import type { MultiplayerMode, Platform } from '../src/schemas/common.ts';
import { conceptFixture } from './fixtures.ts';
import { expectOutputOf, game, HANGUL } from './kit.ts';

describe('complexity scoring', () => {
  test.each([
    [0, 0],
    [3, 0],
    [4, 1],
    [6, 1],
    [7, 2],
    [9, 2],
    [10, 3],
    [12, 3],
  ])('%i mechanics: %i points', (count, points) => expect(mechanicsPoints(count)).toBe(points));

  test.each<[Platform[], number]>([
    [['web'], 0],
    [['web', 'web'], 0],
    [['web', 'mobile'], 1],
    [['web', 'mobile', 'pc'], 2],
    [['console'], 1],
    [['vr'], 1],
    [['pc', 'console'], 2],
    [['web', 'pc', 'mobile', 'console', 'vr'], 4],
  ])('platforms %j: %i points', (platforms, points) => expect(platformPoints(platforms)).toBe(points));

  test('multiplayer modes', () => {
    expect(MULTIPLAYER_POINTS).toEqual({ none: 0, local: 1, 'online-coop': 2, 'online-pvp': 3, mmo: 5 });
  });

  test.each([
    [0, 'simple'],
    [1, 'simple'],
    [2, 'moderate'],
    [3, 'moderate'],
    [4, 'complex'],
    [6, 'complex'],
    [7, 'enterprise'],
    [12, 'enterprise'],
  ])('score %i is %s', (score, level) => expect(levelOf(score)).toBe(level));

  test.each<[number, Platform[], MultiplayerMode, string, number]>([
    [3, ['web'], 'none', 'simple', 0],
    [5, ['web', 'mobile'], 'none', 'moderate', 2],
    [5, ['pc'], 'online-pvp', 'complex', 4],
    [8, ['pc', 'console'], 'online-coop', 'complex', 6],
    [10, ['pc', 'console', 'mobile'], 'mmo', 'enterprise', 11],
  ])('%i mechanics on %j, %s: %s (%i)', (mechanics, platforms, multiplayer, level, score) => {
    const c = scoreComplexity({ mechanics, platforms, multiplayer }, 'en');
    expect(c).toMatchObject({ level, score });
    expect(c.factors.map((f) => f.factor)).toEqual(['mechanics', 'platforms', 'multiplayer']);
    expect(c.factors.reduce((sum, f) => sum + f.points, 0)).toBe(score);
    expect(c.explanation).toContain(`Score ${score}`);
  });

  test('explained in Korean for Korean answers', () => {
    const c = scoreComplexity({ mechanics: 4, platforms: ['console', 'pc'], multiplayer: 'local' }, 'ko');
    expect(c.level).toBe('complex');
    for (const text of [c.explanation, ...c.factors.map((f) => f.explanation)]) expect(HANGUL.test(text)).toBe(true);
    expect(c.factors[1]!.explanation).toMatch(/console/);
  });
});

describe('feasibility-analysis', () => {
  test.each(['ko', 'en'] as const)('%s: the model\'s analysis with the complexity the code computed from the concept', async (lang) => {
    const plugin = game(lang);
    const concept = conceptFixture(lang, {
      mechanics: Array.from({ length: 7 }, (_, i) => ({ name: `m${i}`, description: 'd' })),
      targetPlatforms: ['pc', 'console'],
      multiplayer: { mode: 'online-coop', maxPlayers: 4 },
    });
    const out = await plugin.invoke('code-generator', 'feasibility-analysis', { concept });
    expectOutputOf({ agent: 'code-generator', capability: 'feasibility-analysis' }, out);
    expect(out.specification.complexity).toMatchObject({ level: 'complex', score: 6 });
    expect(out.specification.engine.name).toBe('Phaser');
    expect(out.language).toBe(lang);
    expect(HANGUL.test(out.specification.complexity.explanation)).toBe(lang === 'ko');
    const request = plugin.recorded.models.structured[0]!;
    expect(request).toMatchObject({ tier: 'standard' });
    // The model is not asked for the level.
    expect(JSON.stringify(request.schema)).not.toMatch(/complexity/);
  });

  test('the same concept always gets the same level, whatever the model says', async () => {
    const plugin = game('en');
    const a = await plugin.invoke('code-generator', 'feasibility-analysis', { concept: conceptFixture('en') });
    const b = await plugin.invoke('code-generator', 'feasibility-analysis', { concept: conceptFixture('en') });
    expect(a.specification.complexity).toEqual(b.specification.complexity);
    expect(a.specification.complexity).toMatchObject({ level: 'simple', score: 1 });
  });
});

describe('script-generation', () => {
  test.each(['ko', 'en'] as const)('%s: a single-file HTML game whose script parses', async (lang) => {
    const plugin = game(lang);
    const out = await plugin.invoke('code-generator', 'script-generation', { concept: conceptFixture(lang), difficulty: 'hard' });
    expectOutputOf({ agent: 'code-generator', capability: 'script-generation' }, out);
    expect(out.checks).toMatchObject({ parses: true, safeInHtml: true });
    expect(() => new Script(out.script)).not.toThrow();
    expect(() => new Function(out.script)).not.toThrow();
    expect(out.html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(out.html).toContain(out.script);
    expect(out.difficulty).toBe('hard');
    expect(out.spec.lives).toBe(2);
    expect(HANGUL.test(out.spec.labels.score)).toBe(lang === 'ko');
    expect(plugin.recorded.models.structured[0]!.system).toMatch(/800x600/);
  });

  test('hostile text in the model\'s spec stays text', async () => {
    const plugin = game('en', { answers: { spec: { title: '</script><script>alert(1)</script>', instructions: '"\\\'<b>' } } });
    const out = await plugin.invoke('code-generator', 'script-generation', { concept: conceptFixture('en') });
    expect(out.title).toBe('</script><script>alert(1)</script>');
    expect(out.script).not.toMatch(/<\/script/i);
    expect(out.html.match(/<script>/g)).toHaveLength(1);
    expect(out.html).toContain('&quot;\\&#39;&lt;b&gt;');
    expect(() => new Script(out.script)).not.toThrow();
  });
});
