/**
 * The packed plugin as a host runs it: built as `easel pack` builds it, loaded by the test
 * kit's runPacked in a real V8 isolate behind the host's guest runtime, with the manifest's
 * limits and permissions. Proves the bundle loads and that what the code relies on (Unicode
 * property regexes, NFC normalization, streaming through the bridge) works inside an isolate.
 */
import { buildPluginScript } from '@easel/sdk/bundle';
import { runPacked, type PluginHarness } from '@easel/sdk/testing';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ContentOutput } from '../src/content-workflow.ts';
import type { SocialOutput } from '../src/social-media.ts';
import { KO_STORY, KO_STORY_CHUNKS, models, scenes } from './helpers.ts';

const DIR = resolve(import.meta.dirname, '..');
let plugin: PluginHarness;

beforeAll(async () => {
  plugin = await runPacked(DIR, {
    models: models({
      story: KO_STORY_CHUNKS,
      title: '종이배',
      video: { scenes: scenes([10, 10, 10, 10], 'ko'), totalDurationSeconds: 40 },
      posts: (platform) => (platform === 'X' ? '등대지기는 매일 밤 배를 세었다. '.repeat(12) : '종이배 이야기 👨‍👩‍👧 읽어 보세요.'),
      hashtags: ['단편소설', '등대'],
    }),
  });
});
afterAll(() => plugin?.close());

describe('the packed bundle', () => {
  test('uses no host API beyond ECMAScript', async () => {
    const { code } = await buildPluginScript(DIR);
    for (const name of ['require', 'process', 'Buffer', 'setTimeout', 'fetch', 'TextEncoder', 'Intl']) {
      expect(code, name).not.toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  test('the content workflow runs in an isolate: Korean story streamed, script fixed, posts within limits', async () => {
    const out = await plugin.run<ContentOutput>('content', { topic: '등대지기와 종이배', platforms: ['x', 'threads'], videoDurationSeconds: 60 });
    expect(out.story).toMatchObject({ title: '종이배', story: KO_STORY, language: 'ko', streamed: true });
    expect(out.videoScript).toMatchObject({ totalDurationSeconds: 60, adjusted: true });
    const [x, threads] = out.socialPosts.posts;
    expect(x).toMatchObject({ shortened: true, counting: 'x-weighted' });
    expect(x!.length).toBeLessThanOrEqual(280);
    expect(x!.text).toMatch(/… #단편소설 #등대$/);
    expect(threads!.text).toBe('종이배 이야기 👨‍👩‍👧 읽어 보세요. #단편소설');
    expect(plugin.recorded.calls.filter((c) => c.op === 'streamNext')).toHaveLength(KO_STORY_CHUNKS.length + 1);
  });

  test('an agent called directly refuses as on a host', async () => {
    await expect(plugin.invoke<SocialOutput>('social-media', 'posts', { story: KO_STORY, platforms: ['x'], overLimit: 'refuse' })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
  });
});
