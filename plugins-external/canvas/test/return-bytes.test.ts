/**
 * `returnBytes` on the drawing capabilities. The output schema declares `bytes` as an array
 * of base64 PNG strings: an app's call (HTTP) gets base64 text, a plugin calling through
 * `ctx.agents.invoke` gets Uint8Arrays. Both are checked against what was stored.
 */
import { createTestContext, testPlugin, type ScriptedModels } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import definition from '../src/index.ts';
import type { CanvasOutput } from '../src/generate.ts';

const fakePng = (tag = 0) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, tag]);
const threePngs: ScriptedModels = { image: () => [fakePng(1), fakePng(2), fakePng(3)] };

/** The stored bytes of each image, in the order of `images`. */
async function storedBytesOf(images: { blobId: string }[], readStorage: () => Promise<{ info: { blobId: string }; bytes: Uint8Array }[]>): Promise<number[][]> {
  const stored = await readStorage();
  return images.map((image) => Array.from(stored.find((o) => o.info.blobId === image.blobId)!.bytes));
}

describe('returnBytes, for a plugin calling through ctx.agents.invoke', () => {
  test('text-to-image: Uint8Array[] matching the stored images, in order', async () => {
    const { ctx, readStorage } = createTestContext({ manifest, definition, models: threePngs });
    const out = await ctx.agents.invoke<CanvasOutput>('image-generator', 'text-to-image', { keywords: 'cat', count: 3, returnBytes: true });
    expect(out.bytes).toHaveLength(3);
    for (const b of out.bytes!) expect(b).toBeInstanceOf(Uint8Array);
    expect(out.bytes!.map((b) => Array.from(b))).toEqual(await storedBytesOf(out.images, readStorage));
    expect(out.bytes!.map((b) => b[12])).toEqual([1, 2, 3]);
  });

  test('sketch-to-image: the sketch goes in as bytes, the images come back as bytes', async () => {
    const { ctx, readStorage, recorded } = createTestContext({ manifest, definition });
    const sketch = fakePng(9);
    const out = await ctx.agents.invoke<CanvasOutput>('sketch-enhancer', 'sketch-to-image', { sketch, count: 2, returnBytes: true });
    expect(Array.from(recorded.models.image[0]!.image as Uint8Array)).toEqual(Array.from(sketch));
    expect(out.bytes!.every((b) => b instanceof Uint8Array)).toBe(true);
    expect(out.bytes!.map((b) => Array.from(b))).toEqual(await storedBytesOf(out.images, readStorage));
  });
});

describe('returnBytes, for an app', () => {
  test('base64 PNG text in the same order, decoding to the stored images', async () => {
    const plugin = testPlugin(definition, manifest, { models: threePngs });
    const out = await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat', count: 3, returnBytes: true });
    expect(out.bytes).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    const decoded = (out.bytes as string[]).map((b) => Array.from(Buffer.from(b, 'base64')));
    expect(decoded).toEqual(await storedBytesOf(out.images, () => plugin.readStorage()));
  });

  test('off by default, and with false: no bytes field', async () => {
    const plugin = testPlugin(definition, manifest);
    expect(await plugin.invoke('image-generator', 'text-to-image', { keywords: 'cat' })).not.toHaveProperty('bytes');
    expect(await plugin.invoke('sketch-enhancer', 'sketch-to-image', { sketch: fakePng(), returnBytes: false })).not.toHaveProperty('bytes');
  });
});
