/**
 * post-creation end to end, as a platform team runs it: canvas and post-creation published
 * to a real registry, installed by range (the resolver pulls canvas in), enabled with what
 * they request, called over HTTP by two apps on the offline default (the Bedrock emulator).
 * A post with canvas images is created, read, enhanced, its canvas history listed, deleted
 * with its stored images; another app can do none of that to it; a user past budget is
 * refused before any image is paid for; with canvas disabled the canvas path fails with a
 * dependency error while the text-only path works.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { productHost, type ProductHost } from '../helpers/product.ts';

let product: ProductHost;

beforeAll(async () => {
  product = await productHost();
});
afterAll(async () => {
  await product?.close();
});
beforeEach(async () => {
  await product.control.reset();
});

type App = 'a' | 'b';
const as = (app: App, user = 'writer-1') => ({ key: product.apps[app].key, headers: { 'x-easel-user': user } });
const call = (method: string, path: string, app: App, body?: unknown, user?: string) => product.host.call(method, `/v1/p/post-creation${path}`, { ...as(app, user), body });

describe('a post with canvas images, through its life', () => {
  let post: any;

  test('create: drafted, illustrated by canvas, the chosen images kept in post-creation\'s own storage', async () => {
    const res = await call('POST', '/posts', 'a', {
      title: 'My cat learned to open doors',
      content: 'She jumps, grabs the handle and pulls.',
      useCanvas: true,
      canvasConfig: { keyword: 'cat opening a door', style: 'cartoon', imageCount: 2 },
      targetAudience: 'cat owners',
      category: 'humor',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    post = res.body.output;
    expect(post).toMatchObject({ postId: expect.any(String), title: expect.any(String), content: expect.any(String), category: 'humor', language: 'en' });
    expect(post.images.length).toBeGreaterThanOrEqual(1);
    expect(post.images.length).toBeLessThanOrEqual(2);
    expect(post.canvasData).toMatchObject({ style: 'cartoon', keyword: 'cat opening a door', imageCount: 2, prompt: expect.stringContaining('cat opening a door') });
    expect(post.canvasData.cost).toBeGreaterThan(0);
    expect(post.metadata.models).toContain('amazon.nova-canvas-v1:0');
    expect(post.metadata.cost).toBeGreaterThan(0);
    expect(post.metadata.timings.totalMs).toBeGreaterThanOrEqual(0);
    for (const image of post.images) {
      // Stored by post-creation (not canvas), served by its signed URL without a key.
      expect(await product.host.host.store.blobs.byId(image.blobId)).toMatchObject({ pluginName: 'post-creation', contentType: 'image/png' });
      const served = await fetch(`${product.host.url}${image.url}`);
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    }
    // Canvas ran as a step of the execution, with the image model.
    const execution = await product.host.call('GET', `/v1/executions/${res.body.executionId}`, as('a'));
    const steps = execution.body.steps as { pluginName: string; agent: string; capability: string; models: string[] }[];
    expect(steps.map((s) => `${s.pluginName}/${s.agent}.${s.capability}`)).toEqual(expect.arrayContaining(['post-creation/content-generator.draft', 'canvas/image-generator.text-to-image', 'post-creation/image-selector.select']));
    expect(steps.find((s) => s.pluginName === 'canvas')!.models).toEqual(['amazon.nova-canvas-v1:0']);
  });

  test('get: the same post, with fresh image URLs; canvas history: the run with its prompt, style, images and cost', async () => {
    const got = await call('GET', `/posts/${post.postId}`, 'a');
    expect(got.status, JSON.stringify(got.body)).toBe(200);
    expect(got.body.output).toMatchObject({ postId: post.postId, title: post.title, content: post.content, version: 1 });
    expect(got.body.output.images.map((i: { blobId: string }) => i.blobId)).toEqual(post.images.map((i: { blobId: string }) => i.blobId));

    const history = await call('GET', `/posts/${post.postId}/canvas-history`, 'a');
    expect(history.status, JSON.stringify(history.body)).toBe(200);
    expect(history.body.output.runs).toHaveLength(1);
    const [run] = history.body.output.runs;
    expect(run).toMatchObject({ prompt: post.canvasData.prompt, style: 'cartoon', imageCount: 2, cost: post.canvasData.cost });
    expect(run.images).toHaveLength(2);
    expect(run.images.filter((i: { selected: boolean }) => i.selected)).toHaveLength(post.images.length);
  });

  test('another app, or another user of the same app, can neither read, enhance nor delete it', async () => {
    for (const [app, user] of [['b', 'writer-1'], ['a', 'someone-else']] as const) {
      for (const [method, path, body] of [
        ['GET', `/posts/${post.postId}`, undefined],
        ['GET', `/posts/${post.postId}/canvas-history`, undefined],
        ['POST', `/posts/${post.postId}/enhance`, { type: 'grammar' }],
        ['DELETE', `/posts/${post.postId}`, undefined],
      ] as const) {
        const res = await call(method, path, app, body, user);
        expect(res.status, `${app}/${user} ${method} ${path}`).toBe(404);
        expect(res.body.code).toBe('RESOURCE_NOT_FOUND');
      }
    }
    expect((await call('GET', `/posts/${post.postId}`, 'a')).body.output.version).toBe(1);
  });

  test('enhance: a new version, the previous one kept in its history', async () => {
    const res = await call('POST', `/posts/${post.postId}/enhance`, 'a', { type: 'tone', requirements: 'friendlier, for new cat owners' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output).toMatchObject({ postId: post.postId, version: 2, origin: 'tone' });
    expect(res.body.output.history[0]).toMatchObject({ version: 1, content: post.content });
    expect(res.body.output.images.map((i: { blobId: string }) => i.blobId)).toEqual(post.images.map((i: { blobId: string }) => i.blobId));
  });

  test('delete: the post and its stored images are gone', async () => {
    const res = await call('DELETE', `/posts/${post.postId}`, 'a');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output).toMatchObject({ deleted: true, postId: post.postId });
    expect(res.body.output.storageObjects.map((o: { blobId: string }) => o.blobId).sort()).toEqual(post.images.map((i: { blobId: string }) => i.blobId).sort());
    expect((await call('GET', `/posts/${post.postId}`, 'a')).status).toBe(404);
    for (const image of post.images) {
      expect(await product.host.host.store.blobs.byId(image.blobId)).toBeUndefined();
      expect((await product.host.call('GET', `/v1/blobs/${image.blobId}`, as('a'))).status).toBe(404);
    }
  });
});

test('Korean in, Korean out: a text-only post touches no image model', async () => {
  const res = await call('POST', '/posts', 'b', { title: '기말고사 공부법 공유합니다', content: '하루 3시간씩 복습했어요', category: 'study', targetAudience: '고등학생' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.output).toMatchObject({ language: 'ko', category: 'study', images: [], canvasData: null });
  expect((await product.control.calls()).filter((c) => c.taskType !== undefined)).toEqual([]);
});

test('a user past budget is refused with BUDGET_EXCEEDED before any image is paid for', async () => {
  // Enough for the text calls, far from enough for two images.
  expect((await product.host.call('PUT', `/v1/apps/${product.apps.a.id}/users/thrifty/budget`, { body: { monthlyUsd: 0.01 } })).status).toBe(200);
  const res = await call('POST', '/posts', 'a', { title: 'A budget post', useCanvas: true, canvasConfig: { keyword: 'piggy bank', imageCount: 2 } }, 'thrifty');
  expect(res.status, JSON.stringify(res.body)).toBe(402);
  expect(res.body.code).toBe('BUDGET_EXCEEDED');
  // No image call reached the provider, and no image was billed.
  expect((await product.control.calls()).filter((c) => c.taskType !== undefined)).toEqual([]);
  const usage = await product.host.host.store.usage.listByExecution(res.body.details.executionId);
  expect(usage.filter((row) => row.modelId.includes('canvas'))).toEqual([]);
});

test('with canvas disabled, the canvas path fails with DEPENDENCY_DISABLED and the text-only path still works', async () => {
  expect((await product.host.call('POST', '/v1/plugins/canvas/disable?force=true')).status).toBe(200);
  try {
    const illustrated = await call('POST', '/posts', 'a', { title: 'Needs a picture', useCanvas: true, canvasConfig: { keyword: 'sunset' } });
    expect(illustrated.status).toBe(409);
    expect(illustrated.body).toMatchObject({ code: 'DEPENDENCY_DISABLED', message: expect.stringContaining('canvas') });
    const plain = await call('POST', '/posts', 'a', { title: 'Words only' });
    expect(plain.status, JSON.stringify(plain.body)).toBe(200);
    expect(plain.body.output.images).toEqual([]);
  } finally {
    expect((await product.host.call('POST', '/v1/plugins/canvas/enable', { body: { grant: 'requested' } })).status).toBe(200);
  }
});
