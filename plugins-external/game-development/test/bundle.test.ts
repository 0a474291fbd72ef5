/**
 * The packed plugin in a real isolate (the test kit's runPacked: packed as `easel pack` packs
 * it, loaded behind the host's guest runtime, with the manifest's limits): the workflows run
 * there with canvas stubbed, and the game's parse check runs where a host runs it.
 */
import { Script } from 'node:vm';
import { resolve } from 'node:path';
import { runPacked, type PluginHarness } from '@easel/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Language } from '../src/schemas/common.ts';
import { answerFor, canvasAnswer, conceptFixture, KO_IDEA, EN_IDEA } from './fixtures.ts';
import { expectOutputOf } from './kit.ts';

const DIR = resolve(import.meta.dirname, '..');

function packed(lang: Language): Promise<PluginHarness> {
  return runPacked(DIR, {
    models: { structured: (request) => answerFor(request as never, lang) },
    agents: { 'canvas/image-generator': { 'text-to-image': (input) => canvasAnswer(input) } },
  });
}

describe('in an isolate', () => {
  let ko: PluginHarness;
  let en: PluginHarness;
  beforeAll(async () => {
    [ko, en] = await Promise.all([packed('ko'), packed('en')]);
  });
  afterAll(async () => {
    await Promise.all([ko?.close(), en?.close()]);
  });

  test.each([
    ['ko', KO_IDEA],
    ['en', EN_IDEA],
  ] as const)('%s: game-concept-creation runs to its end', async (lang, idea) => {
    const plugin = lang === 'ko' ? ko : en;
    const out = await plugin.run('game-concept-creation', { idea });
    expectOutputOf({ workflow: 'game-concept-creation' }, out);
    expect(out.agentsUsed).toEqual(['game-designer', 'asset-generator', 'code-generator', 'playtester']);
    expect(out.language).toBe(lang);
  });

  test('script-generation compiles the script with new Function inside the isolate', async () => {
    const out = await en.invoke('code-generator', 'script-generation', { concept: conceptFixture('en') });
    // The isolate lets code compile strings, so the plugin's own check is the direct one.
    expect(out.checks).toMatchObject({ parses: true, parseCheck: 'function-constructor', safeInHtml: true });
    expect(() => new Script(out.script)).not.toThrow();
  });

  test('code-generation from a Korean idea', async () => {
    const out = await ko.run('code-generation', { idea: KO_IDEA });
    expectOutputOf({ workflow: 'code-generation' }, out);
    expect(out.html).toContain('<html lang="ko">');
    expect(() => new Function(out.script)).not.toThrow();
  });

  test('asset-creation draws through the canvas stub', async () => {
    const out = await en.run('asset-creation', { concept: conceptFixture('en'), maxSprites: 2 });
    expect(out.generated).toBe(2);
    expect(en.recorded.agents.filter((a) => a.agent === 'canvas/image-generator').length).toBeGreaterThanOrEqual(2);
  });
});
