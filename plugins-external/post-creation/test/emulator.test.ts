/**
 * Against the Bedrock emulator (@easel/bedrock-emulator, started here on loopback), the offline
 * default's model backend: structured calls go out as Converse tool calls with this plugin's
 * schemas and come back as synthetic values generated from them (json-schema-faker, seeded by
 * the request). Every value a schema allows must be a usable answer, so every draft, every
 * enhancement and every image selection succeeds and answers with its output schema, whatever
 * the title. (With a "refused" status in the schemas, about half of them used to fail.)
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startEmulator, type StartedEmulator } from '@easel/bedrock-emulator';
import { linearRegExpEngine } from '@easel/sdk/bundle';
import { testPlugin, type TestOptions } from '@easel/sdk/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ENHANCEMENT_TYPES } from '../src/prompts.ts';
import { ALICE, canvasStub, definition, manifest } from './helpers.ts';

let emulator: StartedEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ streamDelayMs: 0 });
});
afterAll(async () => {
  await emulator?.close();
});

const withEmulator = (options: Omit<TestOptions, 'models'> = {}) => testPlugin(definition, manifest, { models: { emulator: emulator.url }, ...options });

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, code: { regExp: linearRegExpEngine } });
const outputOf = (agent: string, capability: string) => manifest.agents.find((a) => a.type === agent)!.capabilities.find((c) => c.name === capability)!.output;
const checks = {
  draft: ajv.compile(outputOf('content-generator', 'draft')),
  enhance: ajv.compile(outputOf('content-generator', 'enhance')),
  select: ajv.compile(outputOf('image-selector', 'select')),
  post: ajv.compile(manifest.workflows.find((w) => w.type === 'post-creation')!.output),
};
function expectSchema(check: (typeof checks)[keyof typeof checks], value: unknown) {
  const ok = check(value);
  expect(ok ? [] : check.errors, JSON.stringify(value).slice(0, 500)).toEqual([]);
}

type Case = { title: string; content?: string; category?: 'general' | 'study' | 'humor' | 'question'; language: 'ko' | 'en' };

const TITLES: Case[] = [
  { title: '기말고사 공부법 공유합니다', content: '하루 3시간씩 복습했어요', category: 'study', language: 'ko' },
  { title: '우리 집 고양이가 문을 열어요', category: 'humor', language: 'ko' },
  { title: '첫 자취, 요리 초보를 위한 팁 있을까요?', category: 'question', language: 'ko' },
  { title: '주말에 다녀온 한강 자전거 코스', content: '여의도에서 출발해서 반포까지 갔어요', language: 'ko' },
  { title: '코딩 테스트 준비 3개월 후기', category: 'study', language: 'ko' },
  { title: '비 오는 날 듣기 좋은 노래 추천', language: 'ko' },
  { title: 'My cat learned to open doors', content: 'She jumps and pulls the handle', category: 'humor', language: 'en' },
  { title: 'How I finally understood recursion', category: 'study', language: 'en' },
  { title: 'Which laptop for a first-year CS student?', category: 'question', language: 'en' },
  { title: 'A weekend hike up Bukhansan', content: 'Started at 7am, crowded at the top', language: 'en' },
  { title: 'Sourdough starter: day 10 update', language: 'en' },
  { title: 'Tips for staying focused while studying at home', category: 'study', language: 'en' },
];

describe('with the Bedrock emulator', () => {
  test.each(TITLES)('draft and every enhancement succeed: $title', async ({ title, content, category, language }) => {
    const plugin = withEmulator();
    const draft = await plugin.invoke('content-generator', 'draft', { title, content, category });
    expectSchema(checks.draft, draft);
    expect(draft.language).toBe(language);
    expect(draft.title).not.toBe('');
    expect(draft.content).not.toBe('');
    for (const type of ENHANCEMENT_TYPES) {
      // The post keeps its language, as post-enhancement passes it (synthetic text has no Hangul).
      const out = await plugin.invoke('content-generator', 'enhance', { title: draft.title, content: draft.content, type, hashtags: draft.hashtags, language: draft.language });
      expectSchema(checks.enhance, out);
      expect(out).toMatchObject({ type, language });
      if (type === 'hashtags') {
        expect(out).toMatchObject({ title: draft.title, content: draft.content });
        expect(out.hashtags.length).toBeGreaterThan(0);
      }
    }
    // Every answer came from the emulator (the emulator's model id), none from a script.
    expect(plugin.recorded.models.structured).toHaveLength(1 + ENHANCEMENT_TYPES.length);
  });

  test.each(TITLES.map((c, i) => ({ ...c, i })))('image-selector.select succeeds with made-up candidates: $title', async ({ title, language, i }) => {
    const plugin = withEmulator();
    const styles = ['cartoon', 'realistic', 'meme', 'illustration'] as const;
    // 1 to 8 candidates with arbitrary unique indexes, a blobId on some, and a maxSelected on some.
    const count = (i % 8) + 1;
    const candidates = Array.from({ length: count }, (_, k) => ({
      index: 90 - k * 7,
      prompt: k % 2 === 0 ? `${title}, ${styles[k % 4]} style` : `a picture for "${title}"`,
      style: styles[(i + k) % 4]!,
      ...(k % 3 === 0 ? { blobId: `canvas-blob-${i}-${k}` } : {}),
    }));
    const maxSelected = i % 3 === 0 ? undefined : Math.max(1, Math.ceil(count / 2));
    const out = await plugin.invoke('image-selector', 'select', { title, content: `${title}\n\nA made-up post body.`, candidates, ...(maxSelected === undefined ? {} : { maxSelected }) });
    expectSchema(checks.select, out);
    expect(out.language).toBe(language);
    expect(out.selected.length).toBeGreaterThanOrEqual(1);
    expect(out.selected.length).toBeLessThanOrEqual(maxSelected ?? count);
    const named = [...out.selected, ...out.rejected].map((c: { index: number }) => c.index).sort((a: number, b: number) => a - b);
    expect(named).toEqual(candidates.map((c) => c.index).sort((a, b) => a - b));
    for (const choice of [...out.selected, ...out.rejected]) {
      const candidate = candidates.find((c) => c.index === choice.index)!;
      expect(choice.blobId).toBe(candidate.blobId);
      expect(choice.reason).not.toBe('');
    }
  });

  test.each([TITLES[0]!, TITLES[6]!])('a whole post: created with images, enhanced every way, illustrated again: $title', async ({ title, content, category, language }) => {
    const plugin = withEmulator({ agents: canvasStub(), caller: ALICE });
    const created = await plugin.run('post-creation', { title, content, category, useCanvas: true, canvasConfig: { imageCount: 3 } });
    expectSchema(checks.post, created);
    expect(created).toMatchObject({ version: 1, origin: 'draft', language });
    expect(created.images.length).toBeGreaterThanOrEqual(1);
    let post = created;
    for (const type of ENHANCEMENT_TYPES) {
      post = await plugin.run('post-enhancement', { postId: created.postId, type });
      expectSchema(checks.post, post);
      expect(post).toMatchObject({ origin: type, language });
    }
    expect(post.version).toBe(1 + ENHANCEMENT_TYPES.length);
    const illustrated = await plugin.run('post-illustration', { postId: created.postId, imageCount: 4 });
    expectSchema(checks.post, illustrated);
    expect(illustrated.canvasData.run).toBe(2);
  });
});
