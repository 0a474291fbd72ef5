/**
 * Against the Bedrock emulator (@easel/bedrock-emulator, started here on loopback): structured
 * calls go out as Converse tool calls with this plugin's schemas, and come back as synthetic
 * values generated from those schemas. It proves every schema the plugin sends can be answered
 * and that whatever a schema allows (arbitrary strings included) flows through the workflows,
 * into a game whose script still parses.
 */
import { Script } from 'node:vm';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { canvasAnswer, conceptFixture, EN_IDEA, KO_IDEA } from './fixtures.ts';
import { expectOutputOf, game } from './kit.ts';

let emulator: StartedEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ streamDelayMs: 0 });
});
afterAll(async () => {
  await emulator?.close();
});

const withEmulator = () => game('en', { models: { emulator: emulator.url }, agents: { 'canvas/image-generator': { 'text-to-image': (input) => canvasAnswer(input) } } });

describe('with the Bedrock emulator', () => {
  test.each([KO_IDEA, EN_IDEA])('game-concept-creation: %s', async (idea) => {
    const plugin = withEmulator();
    const out = await plugin.run('game-concept-creation', { idea, platforms: ['web', 'mobile'] });
    expectOutputOf({ workflow: 'game-concept-creation' }, out);
    expect(out.concept.targetPlatforms.sort()).toEqual(['mobile', 'web']);
    expect(out.totalCost).toBeGreaterThan(0);
    expect(out.steps).toHaveLength(5);
  });

  test('every capability answers with its schema', async () => {
    const plugin = withEmulator();
    const concept = conceptFixture('en');
    const calls: [string, string, unknown][] = [
      ['game-designer', 'mechanics-design', { concept }],
      ['game-designer', 'story-development', { concept, length: 'short' }],
      ['asset-generator', 'asset-analysis', { concept }],
      ['code-generator', 'feasibility-analysis', { concept }],
      ['playtester', 'scenario-generation', { concept, count: 2 }],
      ['playtester', 'balance-testing', { parameters: [{ name: 'hp', value: 100, max: 50 }, { name: 'speed', value: 3 }] }],
    ];
    for (const [agent, capability, input] of calls) {
      const out = await plugin.invoke(agent, capability, input);
      expectOutputOf({ agent, capability }, out);
    }
  });

  test('code-generation: synthetic text of any kind still makes a game that parses', async () => {
    const plugin = withEmulator();
    const out = await plugin.run('code-generation', { concept: conceptFixture('ko'), difficulty: 'hard' });
    expectOutputOf({ workflow: 'code-generation' }, out);
    expect(out.checks.parses).toBe(true);
    expect(() => new Script(out.script)).not.toThrow();
    expect(out.script).not.toMatch(/<\/script/i);
  });
});
