/**
 * A post's life through the routes' capabilities and workflows: read, enhance, illustrate
 * again, canvas history, delete; and that no other app or user ever reaches it.
 */
import { describe, expect, test } from 'vitest';
import { scopeId } from '../src/scope.ts';
import { MAX_HISTORY } from '../src/store.ts';
import { ALICE, ALICE_ELSEWHERE, BOB, EN, fakePng, harness, KO, type CanvasCall } from './helpers.ts';

const ALICE_SCOPE = scopeId(ALICE);

/** A harness with one illustrated post of Alice's, made in execution exec-1 (post p-exec-1). */
async function withPost(options: Parameters<typeof harness>[0] = {}) {
  const canvasCalls: CanvasCall[] = [];
  const plugin = harness({ caller: ALICE, canvasCalls, ...options });
  const post = await plugin.run('post-creation', { title: KO.title, content: KO.content, useCanvas: true }, { executionId: 'exec-1' });
  return { plugin, post, canvasCalls };
}

describe('get', () => {
  test('the owner gets the post, with a fresh URL for each image', async () => {
    const { plugin, post } = await withPost();
    const got = await plugin.invoke('post-store', 'get', { postId: post.postId });
    expect({ ...got, images: got.images.map((i: { url: string }) => ({ ...i, url: 'x' })) }).toEqual({ ...post, images: post.images.map((i: { url: string }) => ({ ...i, url: 'x' })) });
    expect(got.images[0].url).toMatch(/^http:\/\/easel\.test\/v1\/blobs\//);
  });

  test('an unknown or malformed id', async () => {
    const { plugin } = await withPost();
    await expect(plugin.invoke('post-store', 'get', { postId: 'p-nothing' })).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    await expect(plugin.invoke('post-store', 'get', { postId: '../p-exec-1' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('caller scoping', () => {
  test.each([
    ['another user of the same app', BOB],
    ['the same user id under another app', ALICE_ELSEWHERE],
    ['an admin key (no app)', { app: null, user: 'alice' }],
  ])('%s gets RESOURCE_NOT_FOUND from get, canvas history, enhance, illustrate and delete, and changes nothing', async (_name, caller) => {
    const { plugin, post } = await withPost();
    const before = plugin.readKv();
    const objects = (await plugin.readStorage()).map((s) => s.info.key);
    const agentCalls = plugin.recorded.agents.length;
    const calls = [
      plugin.invoke('post-store', 'get', { postId: post.postId }, { caller }),
      plugin.invoke('post-store', 'canvas-history', { postId: post.postId }, { caller }),
      plugin.invoke('post-store', 'delete', { postId: post.postId }, { caller }),
      plugin.run('post-enhancement', { postId: post.postId, type: 'grammar' }, { caller }),
      plugin.run('post-illustration', { postId: post.postId }, { caller }),
    ];
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: `no post ${post.postId}` });
    expect(plugin.readKv()).toEqual(before);
    expect((await plugin.readStorage()).map((s) => s.info.key)).toEqual(objects);
    expect(plugin.recorded.agents).toHaveLength(agentCalls);
  });

  test("the answer for someone else's post is the answer for no post at all", async () => {
    const { plugin, post } = await withPost();
    const theirs = await plugin.invoke('post-store', 'get', { postId: post.postId }, { caller: BOB }).catch((e) => e);
    const missing = await plugin.invoke('post-store', 'get', { postId: 'p-exec-1x' }, { caller: BOB }).catch((e) => e);
    expect([theirs.code, theirs.message.replace(post.postId, 'ID')]).toEqual([missing.code, missing.message.replace('p-exec-1x', 'ID')]);
  });

  test('two users creating in executions with the same id keep two posts', async () => {
    const plugin = harness();
    const a = await plugin.run('post-creation', { title: EN.title, useCanvas: true }, { executionId: 'exec-1', caller: ALICE });
    const b = await plugin.run('post-creation', { title: KO.title, useCanvas: true }, { executionId: 'exec-1', caller: BOB });
    expect(a.postId).toBe(b.postId);
    expect((await plugin.invoke('post-store', 'get', { postId: a.postId }, { caller: ALICE })).title).toBe(EN.draft.title);
    expect((await plugin.invoke('post-store', 'get', { postId: b.postId }, { caller: BOB })).title).toBe(KO.draft.title);
    expect((await plugin.readStorage()).map((s) => s.info.key.split('/')[1])).toEqual([scopeId(ALICE), scopeId(BOB)].sort());
  });
});

describe('post-enhancement', () => {
  test('Korean grammar: a new version; the previous one is kept in the history', async () => {
    const { plugin, post } = await withPost();
    const out = await plugin.run('post-enhancement', { postId: post.postId, type: 'grammar', requirements: '띄어쓰기 위주로' }, { executionId: 'exec-2' });
    expect(out).toMatchObject({ postId: post.postId, title: '수정된 제목', content: '수정된 본문', version: 2, origin: 'grammar', requirements: '띄어쓰기 위주로', changes: ['맞춤법 수정'], hashtags: post.hashtags });
    expect(out.history).toEqual([{ version: 1, title: post.title, content: post.content, hashtags: post.hashtags, summary: post.summary, origin: 'draft', changes: [], createdAt: post.createdAt }]);
    expect(out.images).toHaveLength(1);
    const enhance = plugin.recorded.agents.find((a) => a.capability === 'enhance')!;
    expect(enhance.input).toEqual({ title: post.title, content: post.content, type: 'grammar', requirements: '띄어쓰기 위주로', hashtags: post.hashtags, language: 'ko' });
    expect(out.metadata.cost).toBeGreaterThan(post.metadata.cost);
    expect(await plugin.invoke('post-store', 'get', { postId: post.postId })).toMatchObject({ version: 2, history: [{ version: 1 }] });
  });

  test('English hashtags: only the hashtags change, at basic tier', async () => {
    const plugin = harness();
    const post = await plugin.run('post-creation', { title: EN.title });
    const out = await plugin.run('post-enhancement', { postId: post.postId, type: 'hashtags' });
    expect(out).toMatchObject({ title: post.title, content: post.content, hashtags: ['#study', '#exams'], version: 2, origin: 'hashtags' });
    expect(plugin.recorded.models.structured.at(-1)).toMatchObject({ tier: 'basic', latency: 'fast' });
  });

  test(`the history keeps the last ${MAX_HISTORY} versions, newest first; older ones leave kv`, async () => {
    const plugin = harness({ caller: ALICE });
    const post = await plugin.run('post-creation', { title: EN.title });
    let out = post;
    for (let i = 0; i < MAX_HISTORY + 2; i++) out = await plugin.run('post-enhancement', { postId: post.postId, type: 'tone' });
    expect(out.version).toBe(MAX_HISTORY + 3);
    expect(out.history.map((v: { version: number }) => v.version)).toEqual(Array.from({ length: MAX_HISTORY }, (_, i) => MAX_HISTORY + 2 - i));
    const historyKeys = Object.keys(plugin.readKv()).filter((k) => k.includes('/v/'));
    expect(historyKeys).toHaveLength(MAX_HISTORY);
  });

  test('the same execution run again adds no second version', async () => {
    const { plugin, post } = await withPost();
    const first = await plugin.run('post-enhancement', { postId: post.postId, type: 'length' }, { executionId: 'exec-e' });
    const again = await plugin.run('post-enhancement', { postId: post.postId, type: 'length' }, { executionId: 'exec-e' });
    expect(again.version).toBe(2);
    expect(again.history).toEqual(first.history);
    expect(plugin.recorded.agents.filter((a) => a.capability === 'enhance')).toHaveLength(1);
  });
});

describe('canvas history', () => {
  test('accumulates across runs: creation, then two illustrations; images are replaced and the old objects deleted', async () => {
    const { plugin, post, canvasCalls } = await withPost();
    const second = await plugin.run('post-illustration', { postId: post.postId, keyword: '공부하는 학생', style: 'cartoon', imageCount: 3 }, { executionId: 'exec-2' });
    const third = await plugin.run('post-illustration', { postId: post.postId, sketch: fakePng(5) }, { executionId: 'exec-3' });

    expect(canvasCalls.map((c) => c.capability)).toEqual(['text-to-image', 'text-to-image', 'sketch-to-image']);
    expect(canvasCalls[1]!.input).toMatchObject({ keywords: '공부하는 학생', style: 'cartoon', count: 3 });
    // No keyword given: the post's current title.
    expect(canvasCalls[2]!.input).toMatchObject({ keywords: KO.draft.title, count: 2 });
    expect(second.canvasData).toMatchObject({ run: 2, keyword: '공부하는 학생', style: 'cartoon', imageCount: 3 });
    expect(third.canvasData).toMatchObject({ run: 3, source: 'sketch' });
    expect(third.images.map((i: { run: number }) => i.run)).toEqual([3]);
    expect((await plugin.readStorage()).map((s) => s.info.key)).toEqual([`posts/${ALICE_SCOPE}/${post.postId}/exec-3/0.png`]);

    const history = await plugin.invoke('post-store', 'canvas-history', { postId: post.postId });
    expect(history.postId).toBe(post.postId);
    expect(history.runs.map((r: { run: number; executionId: string; imageCount: number; selectedCount: number; cost: number }) => [r.run, r.executionId, r.imageCount, r.selectedCount, r.cost])).toEqual([
      [1, 'exec-1', 2, 1, 0.08],
      [2, 'exec-2', 3, 1, 0.12],
      [3, 'exec-3', 2, 1, 0.08],
    ]);
    expect(history.totalCost).toBe(0.28);
    expect(history.runs[1].images).toEqual([
      { index: 0, canvasBlobId: 'canvas-blob-2-0', width: 1024, height: 1024, model: 'amazon.nova-canvas-v1:0', cost: 0.04, selected: true, reason: '게시물 주제와 잘 맞습니다' },
      { index: 1, canvasBlobId: 'canvas-blob-2-1', width: 1024, height: 1024, model: 'amazon.nova-canvas-v1:0', cost: 0.04, selected: false, reason: '비슷한 이미지입니다' },
      { index: 2, canvasBlobId: 'canvas-blob-2-2', width: 1024, height: 1024, model: 'amazon.nova-canvas-v1:0', cost: 0.04, selected: false, reason: '비슷한 이미지입니다' },
    ]);
    expect(history.runs.map((r: { createdAt: string }) => typeof r.createdAt)).toEqual(['string', 'string', 'string']);
  });

  test('a text-only post has an empty history until it is illustrated', async () => {
    const plugin = harness();
    const post = await plugin.run('post-creation', { title: EN.title });
    expect(await plugin.invoke('post-store', 'canvas-history', { postId: post.postId })).toEqual({ postId: post.postId, runs: [], totalCost: 0 });
    const illustrated = await plugin.run('post-illustration', { postId: post.postId });
    expect(illustrated.canvasData).toMatchObject({ run: 1, keyword: EN.draft.title });
    expect((await plugin.invoke('post-store', 'canvas-history', { postId: post.postId })).runs).toHaveLength(1);
  });
});

describe('delete', () => {
  test('removes the post, its history, its canvas runs and its stored images, and says so', async () => {
    const { plugin, post } = await withPost();
    await plugin.run('post-enhancement', { postId: post.postId, type: 'grammar' }, { executionId: 'exec-8' });
    await plugin.run('post-illustration', { postId: post.postId, imageCount: 1 }, { executionId: 'exec-9' });
    const objects = await plugin.readStorage();
    expect(objects).toHaveLength(1);

    const removed = await plugin.invoke('post-store', 'delete', { postId: post.postId });
    expect(removed).toEqual({
      deleted: true,
      postId: post.postId,
      title: '수정된 제목',
      storageObjects: [{ key: objects[0]!.info.key, blobId: objects[0]!.info.blobId }],
      historyVersions: 1,
      canvasRuns: 2,
    });
    expect(await plugin.readStorage()).toEqual([]);
    expect(plugin.readKv()).toEqual({});
    await expect(plugin.invoke('post-store', 'get', { postId: post.postId })).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    await expect(plugin.invoke('post-store', 'delete', { postId: post.postId })).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });

  test("deleting one post leaves the caller's others, even one whose id starts the same", async () => {
    const plugin = harness({ caller: ALICE });
    await plugin.run('post-creation', { title: EN.title, useCanvas: true }, { executionId: 'exec-1' });
    await plugin.run('post-creation', { title: KO.title, useCanvas: true }, { executionId: 'exec-10' });
    await plugin.invoke('post-store', 'delete', { postId: 'p-exec-1' });
    expect((await plugin.readStorage()).map((s) => s.info.key)).toEqual([`posts/${ALICE_SCOPE}/p-exec-10/exec-10/0.png`]);
    expect((await plugin.invoke('post-store', 'get', { postId: 'p-exec-10' })).title).toBe(KO.draft.title);
    expect((await plugin.invoke('post-store', 'canvas-history', { postId: 'p-exec-10' })).runs).toHaveLength(1);
  });
});
