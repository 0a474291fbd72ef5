/** playtester through the test kit: scenarios, and balance findings with the code's own rules. */
import { describe, expect, test } from 'vitest';
import { changePercent, overallOf } from '../src/balance.ts';
import { describeParameters } from '../src/prompts/playtest.ts';
import { conceptFixture } from './fixtures.ts';
import { expectOutputOf, game, HANGUL } from './kit.ts';

describe('scenario-generation', () => {
  test.each(['ko', 'en'] as const)('%s: numbered scenarios with their total time; no multiplayer focus for a single-player game', async (lang) => {
    const plugin = game(lang);
    const out = await plugin.invoke('playtester', 'scenario-generation', { concept: conceptFixture(lang) });
    expectOutputOf({ agent: 'playtester', capability: 'scenario-generation' }, out);
    expect(out.scenarios.map((s: any) => s.id)).toEqual(['PT-01', 'PT-02', 'PT-03', 'PT-04', 'PT-05']);
    expect(out.totalMinutes).toBe(11 + 12 + 13 + 14 + 15);
    expect(HANGUL.test(out.scenarios[0].title)).toBe(lang === 'ko');
    const schema = plugin.recorded.models.structured[0]!.schema as any;
    expect(schema.properties.scenarios).toMatchObject({ minItems: 5, maxItems: 5 });
    expect(schema.properties.scenarios.items.properties.focus.enum).not.toContain('multiplayer');
  });

  test('a multiplayer game gets multiplayer scenarios; an asked-for focus narrows the choice', async () => {
    const plugin = game('en');
    await plugin.invoke('playtester', 'scenario-generation', { concept: conceptFixture('en', { multiplayer: { mode: 'online-pvp', maxPlayers: 8 } }), count: 2 });
    expect((plugin.recorded.models.structured[0]!.schema as any).properties.scenarios.items.properties.focus.enum).toContain('multiplayer');
    const out = await plugin.invoke('playtester', 'scenario-generation', { concept: conceptFixture('en'), count: 3, focus: ['onboarding', 'accessibility'] });
    expect((plugin.recorded.models.structured[1]!.schema as any).properties.scenarios.items.properties.focus.enum).toEqual(['onboarding', 'accessibility']);
    expect(out.scenarios.map((s: any) => s.focus)).toEqual(['onboarding', 'accessibility', 'onboarding']);
  });

  test.each([
    ['count 0', { count: 0 }],
    ['count 11', { count: 11 }],
    ['an unknown focus', { focus: ['fun'] }],
  ])('refuses %s', async (_name, extra) => {
    await expect(game('en').invoke('playtester', 'scenario-generation', { concept: conceptFixture('en'), ...extra })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

const PARAMS = {
  ko: [
    { name: 'jumpHeight', value: 120, unit: 'px', description: '점프 높이' },
    { name: 'enemyHp', value: 500, min: 10, max: 300, description: '적 체력' },
    { name: 'coinValue', value: 100, description: '코인 하나의 가치' },
  ],
  en: [
    { name: 'jumpHeight', value: 120, unit: 'px', description: 'How high the player jumps' },
    { name: 'enemyHp', value: 500, min: 10, max: 300, description: 'Enemy health' },
    { name: 'coinValue', value: 100, description: 'What one coin is worth' },
  ],
};

describe('balance-testing', () => {
  test.each(['ko', 'en'] as const)('%s: the model\'s findings and the range rule, most severe first, with change sizes', async (lang) => {
    const plugin = game(lang);
    const out = await plugin.invoke('playtester', 'balance-testing', { parameters: PARAMS[lang], goals: [lang === 'ko' ? '10분 안에 클리어' : 'Clear in 10 minutes'] });
    expectOutputOf({ agent: 'playtester', capability: 'balance-testing' }, out);
    expect(out.findings.map((f: any) => [f.parameter, f.severity, f.source])).toEqual([
      ['coinValue', 'critical', 'model'],
      ['enemyHp', 'high', 'rule'],
      ['jumpHeight', 'low', 'model'],
    ]);
    expect(out.findings[0]).toMatchObject({ suggestedValue: 150, changePercent: 50 });
    expect(out.findings[1]).toMatchObject({ suggestedValue: 300, changePercent: -40 });
    expect(out.findings[2].changePercent).toBeUndefined();
    expect(out.overall).toBe('major-issues');
    expect(out.counts).toEqual({ critical: 1, high: 1, medium: 0, low: 1 });
    expect(out.language).toBe(lang);
    expect(HANGUL.test(out.findings[1].issue)).toBe(lang === 'ko');
    const request = plugin.recorded.models.structured[0]!;
    expect((request.schema as any).properties.findings.items.properties.parameter.enum).toEqual(['jumpHeight', 'enemyHp', 'coinValue']);
    expect(request.prompt).toContain('enemyHp = 500 (allowed 10 to 300)');
    expect(request).toMatchObject({ temperature: 0.2 });
  });

  test('no findings: balanced', async () => {
    const plugin = game('en', { models: { structured: [{ findings: [], summary: 'Fine.' }] } });
    const out = await plugin.invoke('playtester', 'balance-testing', { parameters: [PARAMS.en[0]] });
    expect(out).toMatchObject({ findings: [], overall: 'balanced', counts: { critical: 0, high: 0, medium: 0, low: 0 } });
  });

  test('a concept given as context goes into the prompt', async () => {
    const plugin = game('ko');
    await plugin.invoke('playtester', 'balance-testing', { parameters: PARAMS.ko, concept: conceptFixture('ko') });
    expect(plugin.recorded.models.structured[0]!.prompt).toContain(conceptFixture('ko').title);
  });

  test.each([
    ['a repeated name', [{ name: 'hp', value: 1 }, { name: 'hp ', value: 2 }]],
    ['min above max', [{ name: 'hp', value: 1, min: 5, max: 2 }]],
  ])('refuses %s with REQUEST_REJECTED before any model call', async (_name, parameters) => {
    const plugin = game('en');
    await expect(plugin.invoke('playtester', 'balance-testing', { parameters })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
    expect(plugin.recorded.models.structured).toHaveLength(0);
  });

  test.each([
    ['no parameters', { parameters: [] }],
    ['a value that is not a number', { parameters: [{ name: 'hp', value: '10' }] }],
    ['41 parameters', { parameters: Array.from({ length: 41 }, (_, i) => ({ name: `p${i}`, value: i })) }],
    ['a value past 1e9', { parameters: [{ name: 'gold', value: 2e9 }] }],
  ])('refuses %s', async (_name, input) => {
    await expect(game('en').invoke('playtester', 'balance-testing', input)).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  test('change sizes and verdicts', () => {
    expect(changePercent(200, 150)).toBe(-25);
    expect(changePercent(-10, -5)).toBe(50);
    expect(changePercent(3, 4)).toBe(33.3);
    expect(changePercent(0, 5)).toBeUndefined();
    expect(changePercent(5, undefined)).toBeUndefined();
    const f = (severity: any) => ({ parameter: 'x', issue: 'i', severity, reasoning: 'r', suggestedChange: 's', source: 'model' as const });
    expect(overallOf([f('low'), f('medium')])).toBe('minor-issues');
    expect(overallOf([f('low'), f('high')])).toBe('major-issues');
    expect(describeParameters([{ name: 'a', value: 1, max: 3 }])).toBe('- a = 1 (allowed -∞ to 3)');
  });
});
