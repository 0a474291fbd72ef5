/** The post-creation workflow with its own agents running and canvas stubbed. */
import { modelError } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import { scopeId } from '../src/scope.ts';
import { ALICE, canvasStub, EN, fakePng, harness, KO, scripted, definition, manifest, type CanvasCall } from './helpers.ts';
import { testPlugin } from '@easel/sdk/testing';

const ALICE_SCOPE = scopeId(ALICE);

describe('text only', () => {
  test('Korean: drafted, kept for the caller, canvas never touched', async () => {
    const canvasCalls: CanvasCall[] = [];
    const plugin = harness({ caller: ALICE, canvasCalls });
    const post = await plugin.run('post-creation', { title: KO.title, content: KO.content, category: 'study', targetAudience: '고등학생' }, { executionId: 'exec-ko' });
    expect(post).toMatchObject({
      postId: 'p-exec-ko',
      title: KO.draft.title,
      content: KO.draft.content,
      hashtags: ['#기말고사', '#공부법'],
      summary: KO.draft.summary,
      version: 1,
      origin: 'draft',
      changes: [],
      category: 'study',
      targetAudience: '고등학생',
      language: 'ko',
      images: [],
      canvasData: null,
      history: [],
    });
    expect(post.metadata).toEqual({
      models: ['apac.amazon.nova-lite-v1:0'],
      cost: expect.any(Number),
      timings: { draftMs: expect.any(Number), totalMs: expect.any(Number) },
      category: 'study',
      targetAudience: '고등학생',
      language: 'ko',
    });
    expect(post.metadata.cost).toBeGreaterThan(0);
    expect(canvasCalls).toHaveLength(0);
    expect(plugin.recorded.agents.map((a) => `${a.agent}.${a.capability}`)).toEqual(['post-creation/content-generator.draft']);
    expect(Object.keys(plugin.readKv())).toEqual([`post/${ALICE_SCOPE}/p-exec-ko`]);
    expect(await plugin.readStorage()).toEqual([]);
    expect(plugin.recorded.progress.map((p) => p.message)).toEqual(['drafting the post', 'saved']);
  });

  test('English, with canvas not installed at all: the text path still works', async () => {
    const plugin = testPlugin(definition, manifest, { models: scripted(), caller: ALICE });
    const post = await plugin.run('post-creation', { title: EN.title });
    expect(post).toMatchObject({ title: EN.draft.title, language: 'en', category: 'general', targetAudience: '', images: [], canvasData: null });
  });

  test('the config default audience applies when the input names none', async () => {
    const plugin = harness({ config: { defaultTargetAudience: 'new students' } });
    const post = await plugin.run('post-creation', { title: EN.title });
    expect(post.targetAudience).toBe('new students');
    expect(plugin.recorded.models.structured[0]!.prompt).toContain('new students');
  });

  test('a sketch or canvasConfig without useCanvas is refused before anything runs', async () => {
    const plugin = harness();
    await expect(plugin.run('post-creation', { title: 't', canvasConfig: { sketch: fakePng() } })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
    await expect(plugin.run('post-creation', { title: 't', useCanvas: false, canvasConfig: { style: 'meme' } })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
    expect(plugin.recorded.agents).toHaveLength(0);
  });

  test('the same execution run again answers the post it made, with no second draft', async () => {
    const plugin = harness();
    const first = await plugin.run('post-creation', { title: EN.title }, { executionId: 'exec-same' });
    const again = await plugin.run('post-creation', { title: EN.title }, { executionId: 'exec-same' });
    expect(again).toEqual(first);
    expect(plugin.recorded.models.structured).toHaveLength(1);
  });
});

describe('with canvas', () => {
  test('English: candidates drawn with their bytes, one chosen, stored in this plugin under the caller, described', async () => {
    const canvasCalls: CanvasCall[] = [];
    const plugin = harness({ caller: ALICE, canvasCalls });
    const post = await plugin.run('post-creation', { title: EN.title, content: EN.content, useCanvas: true, category: 'humor' }, { executionId: 'exec-en' });

    expect(canvasCalls).toEqual([
      { capability: 'text-to-image', input: { keywords: 'My cat learned to open doors', style: 'illustration', count: 2, size: '1024x1024', returnBytes: true } },
    ]);
    const select = plugin.recorded.agents.find((a) => a.capability === 'select')!;
    expect(select.input).toMatchObject({
      title: EN.draft.title,
      content: EN.draft.content,
      category: 'humor',
      language: 'en',
      candidates: [
        { index: 0, prompt: 'My cat learned to open doors, illustration style', style: 'illustration', blobId: 'canvas-blob-1-0' },
        { index: 1, prompt: 'My cat learned to open doors, illustration style', style: 'illustration', blobId: 'canvas-blob-1-1' },
      ],
    });

    const stored = await plugin.readStorage();
    expect(stored.map((s) => s.info.key)).toEqual([`posts/${ALICE_SCOPE}/p-exec-en/exec-en/0.png`]);
    // The bytes canvas answered for image 0 (the stub tags them with call 1, image 0).
    expect(Array.from(stored[0]!.bytes)).toEqual(Array.from(fakePng(10)));
    expect(post.images).toEqual([
      {
        blobId: stored[0]!.info.blobId,
        url: expect.stringMatching(new RegExp(`^http://easel\\.test/v1/blobs/${stored[0]!.info.blobId}\\?expires=\\d+&sig=`)),
        width: 1024,
        height: 1024,
        contentType: 'image/png',
        reason: 'Matches the post',
        run: 1,
      },
    ]);
    expect(post.canvasData).toEqual({
      run: 1,
      source: 'text',
      prompt: 'My cat learned to open doors, illustration style',
      negativePrompt: 'blurry, low quality',
      style: 'illustration',
      keyword: 'My cat learned to open doors',
      size: '1024x1024',
      imageCount: 2,
      selectedCount: 1,
      cost: 0.08,
      models: ['amazon.nova-canvas-v1:0'],
      createdAt: expect.any(String),
    });
    expect(post.metadata.models).toEqual(['apac.amazon.nova-lite-v1:0', 'amazon.nova-canvas-v1:0']);
    expect(post.metadata.cost).toBeGreaterThan(0.08);
    expect(Object.keys(post.metadata.timings).sort()).toEqual(['canvasMs', 'draftMs', 'selectMs', 'storeMs', 'totalMs']);
    expect(plugin.recorded.progress.map((p) => p.message)).toEqual(['drafting the post and drawing images', 'choosing images', 'saved']);
  });

  test('Korean: canvasConfig keyword, style and count reach canvas; the selector reasons in Korean', async () => {
    const canvasCalls: CanvasCall[] = [];
    const plugin = harness({ canvasCalls, answers: { select: () => ({ selected: [{ index: 0, reason: '밝은 분위기' }, { index: 2, reason: '주제와 맞음' }], rejected: [{ index: 1, reason: '어두움' }] }) } });
    const post = await plugin.run('post-creation', { title: KO.title, useCanvas: true, canvasConfig: { keyword: '책상 위 공부 노트', style: 'cartoon', imageCount: 3 } });
    expect(canvasCalls[0]!.input).toEqual({ keywords: '책상 위 공부 노트', style: 'cartoon', count: 3, size: '1024x1024', returnBytes: true });
    expect(post.images.map((i: { reason: string }) => i.reason)).toEqual(['밝은 분위기', '주제와 맞음']);
    expect(post.canvasData).toMatchObject({ keyword: '책상 위 공부 노트', style: 'cartoon', imageCount: 3, selectedCount: 2, cost: 0.12 });
    expect((await plugin.readStorage()).map((s) => s.info.key.split('/').pop())).toEqual(['0.png', '2.png']);
  });

  test('the config sets the default style, count and size', async () => {
    const canvasCalls: CanvasCall[] = [];
    const plugin = harness({ canvasCalls, config: { defaultStyle: 'meme', defaultImageCount: 4, imageSize: '1152x640' } });
    const post = await plugin.run('post-creation', { title: EN.title, useCanvas: true });
    expect(canvasCalls[0]!.input).toMatchObject({ style: 'meme', count: 4, size: '1152x640' });
    expect(post.images[0]).toMatchObject({ width: 1152, height: 640 });
  });

  test('canvasConfig.sketch goes to the sketch-enhancer as bytes, with the keyword and style', async () => {
    const canvasCalls: CanvasCall[] = [];
    const plugin = harness({ canvasCalls });
    const sketch = fakePng(99);
    const post = await plugin.run('post-creation', { title: '우리 집 고양이', useCanvas: true, canvasConfig: { sketch, style: 'cartoon', imageCount: 1 } });
    expect(canvasCalls).toHaveLength(1);
    expect(canvasCalls[0]!.capability).toBe('sketch-to-image');
    expect(canvasCalls[0]!.input.sketch).toBeInstanceOf(Uint8Array);
    expect(Array.from(canvasCalls[0]!.input.sketch)).toEqual(Array.from(sketch));
    expect(canvasCalls[0]!.input).toMatchObject({ keywords: '우리 집 고양이', style: 'cartoon', count: 1, returnBytes: true });
    expect(post.canvasData).toMatchObject({ source: 'sketch', style: 'cartoon', imageCount: 1 });
  });

  test('canvasConfig.sketch as base64 or a data: URL (as JSON carries it) reaches canvas as the same bytes', async () => {
    const sketch = fakePng(42);
    const base64 = Buffer.from(sketch).toString('base64');
    for (const text of [base64, `data:image/png;base64,${base64}`]) {
      const canvasCalls: CanvasCall[] = [];
      const plugin = harness({ canvasCalls });
      await plugin.run('post-creation', { title: EN.title, useCanvas: true, canvasConfig: { sketch: text } });
      expect(canvasCalls[0]!.capability).toBe('sketch-to-image');
      expect(canvasCalls[0]!.input.sketch).toBeInstanceOf(Uint8Array);
      expect(Array.from(canvasCalls[0]!.input.sketch)).toEqual(Array.from(sketch));
    }
  });

  test('a canvasConfig.sketch that is not an image is INPUT_INVALID at /canvasConfig/sketch, before anything runs', async () => {
    const plugin = harness();
    const failure = plugin.run('post-creation', { title: 't', useCanvas: true, canvasConfig: { sketch: new Uint8Array([1, 2, 3, 4]), style: 'meme' } });
    await expect(failure).rejects.toMatchObject({ code: 'INPUT_INVALID', details: { problems: [{ path: '/canvasConfig/sketch', message: expect.stringContaining('not a PNG or JPEG') }] } });
    expect(plugin.recorded.agents).toHaveLength(0);
  });

  test('the draft and the drawing run at the same time', async () => {
    // Each side waits until the other has started: run one after the other, this never ends.
    let draftStarted!: () => void;
    let canvasStarted!: () => void;
    const draftGo = new Promise<void>((r) => (draftStarted = r));
    const canvasGo = new Promise<void>((r) => (canvasStarted = r));
    const models = scripted({
      draft: async () => {
        draftStarted();
        await canvasGo;
        return EN.draft;
      },
    });
    const plugin = testPlugin(definition, manifest, {
      models,
      agents: canvasStub([], {
        before: async () => {
          canvasStarted();
          await draftGo;
        },
      }),
    });
    const post = await plugin.run('post-creation', { title: EN.title, useCanvas: true });
    expect(post.images).toHaveLength(1);
  });

  test('canvas disabled or missing: DEPENDENCY_DISABLED with a clear message, nothing kept', async () => {
    const disabled = canvasStub();
    disabled['canvas/image-generator']!['text-to-image'] = () => {
      throw modelError('DEPENDENCY_DISABLED', 'canvas is disabled');
    };
    for (const agents of [disabled, {}]) {
      const plugin = testPlugin(definition, manifest, { models: scripted(), agents });
      const failure = plugin.run('post-creation', { title: EN.title, useCanvas: true });
      await expect(failure).rejects.toMatchObject({ code: 'DEPENDENCY_DISABLED', message: expect.stringContaining('canvas plugin is not available') });
      expect(plugin.readKv()).toEqual({});
      expect(await plugin.readStorage()).toEqual([]);
    }
  });

  test('canvas not granted: PERMISSION_DENIED, as it came', async () => {
    const plugin = harness({ grant: { kv: true, storage: { read: true, write: true }, models: { tasks: ['structured'], maxTier: 'standard' }, agents: ['canvas/sketch-enhancer'] } });
    await expect(plugin.run('post-creation', { title: EN.title, useCanvas: true })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  test('a canvas that answers without bytes (older than 1.1) fails clearly', async () => {
    const agents = canvasStub();
    agents['canvas/image-generator']!['text-to-image'] = () => ({ images: [{ blobId: 'b', url: 'u', width: 1, height: 1, contentType: 'image/png', model: 'm', cost: 0 }], prompt: 'p', negativePrompt: 'n' });
    const plugin = testPlugin(definition, manifest, { models: scripted(), agents });
    await expect(plugin.run('post-creation', { title: EN.title, useCanvas: true })).rejects.toMatchObject({ code: 'PLUGIN_ERROR', message: expect.stringContaining('canvas ^1.1.0') });
  });

  test('canvas failing otherwise fails the workflow with its code', async () => {
    const agents = canvasStub();
    agents['canvas/image-generator']!['text-to-image'] = () => {
      throw modelError('MODEL_CALL_FAILED', 'every candidate model failed');
    };
    const plugin = testPlugin(definition, manifest, { models: scripted(), agents });
    await expect(plugin.run('post-creation', { title: EN.title, useCanvas: true })).rejects.toMatchObject({ code: 'MODEL_CALL_FAILED' });
    expect(plugin.readKv()).toEqual({});
  });

  test.each([
    ['imageCount 5', { canvasConfig: { imageCount: 5 } }],
    ['an unknown style', { canvasConfig: { style: 'anime' } }],
    ['a keyword over 100 characters', { canvasConfig: { keyword: 'x'.repeat(101) } }],
    ['a top-level sketch (it belongs in canvasConfig)', { sketch: fakePng() }],
    ['a canvasConfig.sketch that is not base64', { canvasConfig: { sketch: 'not base64!' } }],
    ['a canvasConfig.sketch that is not an image', { canvasConfig: { sketch: new Uint8Array([1, 2, 3, 4]) } }],
  ])('refuses %s', async (_name, extra) => {
    const plugin = harness();
    await expect(plugin.run('post-creation', { title: 't', useCanvas: true, ...extra })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(plugin.recorded.agents).toHaveLength(0);
  });
});
