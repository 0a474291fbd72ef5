/** The image-selector agent, and how its answer is made whole. */
import { describe, expect, test } from 'vitest';
import { reconcile } from '../src/image-selector.ts';
import { EN, harness, KO } from './helpers.ts';

const candidates = (n: number, prompt = 'a cat, cartoon style') =>
  Array.from({ length: n }, (_, i) => ({ index: i, prompt, style: 'cartoon' as const, blobId: `b${i}` }));

describe('select', () => {
  test('Korean post: reasons in Korean, a basic and fast call that sees prompts, never blob ids', async () => {
    const plugin = harness();
    const out = await plugin.invoke('image-selector', 'select', { title: KO.draft.title, content: KO.draft.content, category: 'study', candidates: candidates(3) });
    expect(out).toEqual({
      selected: [{ index: 0, reason: '게시물 주제와 잘 맞습니다', blobId: 'b0' }],
      rejected: [
        { index: 1, reason: '비슷한 이미지입니다', blobId: 'b1' },
        { index: 2, reason: '비슷한 이미지입니다', blobId: 'b2' },
      ],
      language: 'ko',
      model: expect.any(String),
      cost: expect.any(Number),
    });
    const [call] = plugin.recorded.models.structured;
    expect(call).toMatchObject({ tier: 'basic', latency: 'fast', temperature: 0 });
    expect(call!.prompt).toContain('a cat, cartoon style');
    expect(call!.prompt).not.toContain('b1');
    expect(call!.system).toMatch(/cannot see the images/);
  });

  test("English post; the caller's own indexes are mapped to positions and back", async () => {
    const plugin = harness({
      answers: {
        select: (request) => {
          // The model sees positions 0..n-1 and may only name those.
          expect((request.schema.properties as any).selected.items.properties.index).toEqual({ type: 'integer', minimum: 0, maximum: 1 });
          return { selected: [{ index: 1, reason: 'The wide shot suits a story' }], rejected: [{ index: 0, reason: 'Too close' }] };
        },
      },
    });
    const out = await plugin.invoke('image-selector', 'select', {
      title: EN.draft.title,
      content: EN.draft.content,
      candidates: [
        { index: 7, prompt: 'a cat close-up', style: 'realistic' },
        { index: 9, prompt: 'a cat in a wide kitchen scene', style: 'realistic' },
      ],
    });
    expect(out.selected).toEqual([{ index: 9, reason: 'The wide shot suits a story' }]);
    expect(out.rejected).toEqual([{ index: 7, reason: 'Too close' }]);
    expect(out.language).toBe('en');
  });

  test('maxSelected narrows what the model may select', async () => {
    const plugin = harness();
    await plugin.invoke('image-selector', 'select', { title: 't', content: 'c', candidates: candidates(4), maxSelected: 2 });
    expect((plugin.recorded.models.structured[0]!.schema.properties as any).selected.maxItems).toBe(2);
  });

  test('repeated indexes, no candidates or more than 8 are refused', async () => {
    const plugin = harness();
    await expect(plugin.invoke('image-selector', 'select', { title: 't', content: 'c', candidates: [...candidates(1), ...candidates(1)] })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
    await expect(plugin.invoke('image-selector', 'select', { title: 't', content: 'c', candidates: [] })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(plugin.invoke('image-selector', 'select', { title: 't', content: 'c', candidates: candidates(9) })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(plugin.recorded.models.structured).toHaveLength(0);
  });
});

describe('reconcile', () => {
  const three = candidates(3);
  test('a candidate named twice counts once (selected wins); one never named is rejected', () => {
    const out = reconcile({ selected: [{ index: 1, reason: 'good' }], rejected: [{ index: 1, reason: 'bad' }] }, three, 3, 'en');
    expect(out.selected.map((c) => c.index)).toEqual([1]);
    expect(out.rejected.map((c) => [c.index, c.reason])).toEqual([
      [0, 'Left out: the selector gave no judgement for it.'],
      [2, 'Left out: the selector gave no judgement for it.'],
    ]);
  });
  test('past maxSelected, selections move to rejected', () => {
    const out = reconcile({ selected: [0, 1, 2].map((index) => ({ index, reason: 'r' })), rejected: [] }, three, 2, 'en');
    expect(out.selected.map((c) => c.index)).toEqual([0, 1]);
    expect(out.rejected.map((c) => c.index)).toEqual([2]);
  });
  test('nothing selected: the first candidate is kept, with a reason in the language', () => {
    const out = reconcile({ selected: [], rejected: [{ index: 0, reason: 'no' }] }, three, 3, 'ko');
    expect(out.selected).toEqual([{ index: 0, reason: '선택 모델이 판단하지 않아 기본으로 포함했습니다.', blobId: 'b0' }]);
    expect(out.rejected.map((c) => c.index)).toEqual([1, 2]);
  });
  test('every candidate ends up exactly once', () => {
    const out = reconcile({ selected: [{ index: 2, reason: 'a' }, { index: 5, reason: 'x' }], rejected: [{ index: 0, reason: 'b' }] }, three, 3, 'en');
    expect([...out.selected, ...out.rejected].map((c) => c.index).sort()).toEqual([0, 1, 2]);
  });
});
