/**
 * The packed plugin: built as `easel pack` builds it, free of host APIs, and run by the test
 * kit's runPacked in a real isolate, with canvas stubbed and image bytes crossing both ways.
 */
import { buildPluginScript } from '@easel/sdk/bundle';
import { runPacked } from '@easel/sdk/testing';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { ALICE, BOB, canvasStub, EN, fakePng, KO, scripted, type CanvasCall } from './helpers.ts';

const DIR = resolve(import.meta.dirname, '..');

test('the script uses nothing beyond ECMAScript', async () => {
  const { code, warnings } = await buildPluginScript(DIR);
  expect(warnings).toEqual([]);
  for (const name of ['require', 'process', 'Buffer', 'atob', 'btoa', 'TextEncoder', 'TextDecoder', 'setTimeout', 'fetch', 'crypto']) {
    expect(code, name).not.toMatch(new RegExp(`\\b${name}\\b`));
  }
});

test('in an isolate: create with canvasConfig.sketch, enhance, read, and delete; another user is kept out', async () => {
  const canvasCalls: CanvasCall[] = [];
  const plugin = await runPacked(DIR, { models: scripted(), agents: canvasStub(canvasCalls), caller: ALICE });
  try {
    const post = await plugin.run<any>('post-creation', { title: KO.title, useCanvas: true, canvasConfig: { sketch: fakePng(3), imageCount: 2 } }, { executionId: 'exec-1' });
    expect(post).toMatchObject({ postId: 'p-exec-1', language: 'ko', canvasData: { source: 'sketch', imageCount: 2, selectedCount: 1 } });
    expect(Array.from(canvasCalls[0]!.input.sketch as Uint8Array)).toEqual(Array.from(fakePng(3)));
    const [stored] = await plugin.readStorage();
    expect(Array.from(stored!.bytes)).toEqual(Array.from(fakePng(10)));

    const enhanced = await plugin.run<any>('post-enhancement', { postId: post.postId, type: 'grammar' }, { executionId: 'exec-2' });
    expect(enhanced).toMatchObject({ version: 2, history: [{ version: 1 }] });
    await expect(plugin.invoke('post-store', 'get', { postId: post.postId }, { caller: BOB })).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
    expect(await plugin.invoke('post-store', 'get', { postId: post.postId })).toMatchObject({ version: 2 });

    const removed = await plugin.invoke<any>('post-store', 'delete', { postId: post.postId });
    expect(removed.storageObjects).toHaveLength(1);
    expect(await plugin.readStorage()).toEqual([]);
  } finally {
    await plugin.close();
  }
});

test('in an isolate: canvas missing fails an illustrated post with DEPENDENCY_DISABLED; a text post still works', async () => {
  const plugin = await runPacked(DIR, { models: scripted() });
  try {
    await expect(plugin.run('post-creation', { title: EN.title, useCanvas: true })).rejects.toMatchObject({
      code: 'DEPENDENCY_DISABLED',
      message: expect.stringContaining('canvas plugin is not available'),
    });
    await expect(plugin.run('post-creation', { title: EN.title })).resolves.toMatchObject({ title: EN.draft.title, images: [] });
  } finally {
    await plugin.close();
  }
});
