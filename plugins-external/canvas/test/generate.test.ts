/**
 * The drawing functions with a `ctx` from the test kit (`@easel/sdk/testing`): canvas's
 * manifest grants what it requests (storage, text and image models), model answers are
 * scripted, and every model request, stored object and log line is recorded.
 */
import { createTestContext, modelError, type ScriptedModels, type TestContext } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import { MAX_SEED, sketchToImage, textToImage } from '../src/generate.ts';
import { storeImages } from '../src/images.ts';
import { buildNegativePrompt, SKETCH_SUBJECT, STYLE_PRESETS } from '../src/prompts.ts';
import { subjectFor } from '../src/translate.ts';

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]);

/** Enough of a PNG for the plugin's check: the signature and a few bytes. */
const fakePng = (tag = 0) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, tag]);

/** A ctx for canvas's manifest, in execution `exec-1`, with its URLs on https://easel.test. */
function kit(models: ScriptedModels = {}): TestContext {
  return createTestContext({ manifest, executionId: 'exec-1', publicUrl: 'https://easel.test', models });
}

/** A ctx whose call is cancelled while the named model call is in flight. */
function cancelledDuring(task: 'text' | 'image', text: (string | Error)[] = []): TestContext {
  let cancel = () => {};
  const context = kit({
    text: () => {
      if (task === 'text') cancel();
      const next = text.shift() ?? 'cute cat';
      if (next instanceof Error) throw next;
      return next;
    },
    image: (request) => {
      if (task === 'image') cancel();
      return Array.from({ length: request.count ?? 1 }, (_, i) => fakePng(i));
    },
  });
  cancel = context.abort;
  return context;
}

describe('text-to-image', () => {
  test('English keywords: no translation, defaults applied, images stored and described', async () => {
    const { ctx, recorded, readStorage } = kit();
    const out = await textToImage({ keywords: ['cat', 'hat'] }, ctx);
    expect(recorded.models.text).toHaveLength(0);
    expect(recorded.models.image).toEqual([
      { prompt: `cat and hat, ${STYLE_PRESETS.illustration}`, negativePrompt: buildNegativePrompt('illustration'), count: 1, width: 1024, height: 1024, seed: expect.any(Number) },
    ]);
    expect(out.prompt).toBe(recorded.models.image[0]!.prompt);
    expect(out.negativePrompt).toBe(buildNegativePrompt('illustration'));
    const [stored] = await readStorage();
    expect(out.images).toEqual([
      {
        blobId: stored!.info.blobId,
        url: expect.stringMatching(new RegExp(`^https://easel\\.test/v1/blobs/${stored!.info.blobId}\\?expires=\\d+&sig=`)),
        width: 1024,
        height: 1024,
        contentType: 'image/png',
        model: 'amazon.nova-canvas-v1:0',
        cost: 0.04,
      },
    ]);
    expect(recorded.puts.map((p) => [p.key, p.contentType])).toEqual([['images/exec-1/0.png', 'image/png']]);
  });

  test('style, count, size and seed reach the model; cost is split across the images', async () => {
    const { ctx, recorded } = kit({
      image: (r) => ({ images: [fakePng(1), fakePng(2), fakePng(3)], model: 'amazon.nova-canvas-v1:0', cost: 0.1, width: r.width!, height: r.height! }),
    });
    const out = await textToImage({ keywords: 'a fox', style: 'meme', count: 3, size: '1152x640', seed: 42 }, ctx);
    expect(recorded.models.image[0]).toMatchObject({ count: 3, width: 1152, height: 640, seed: 42 });
    expect(recorded.models.image[0]!.prompt).toBe(`a fox, ${STYLE_PRESETS.meme}`);
    expect(recorded.models.image[0]!.image).toBeUndefined();
    expect(out.images.map((i) => i.cost)).toEqual([0.033333333, 0.033333333, 0.033333333]);
    expect(out.images.map((i) => [i.width, i.height])).toEqual([[1152, 640], [1152, 640], [1152, 640]]);
    expect(recorded.puts.map((p) => p.key)).toEqual(['images/exec-1/0.png', 'images/exec-1/1.png', 'images/exec-1/2.png']);
  });

  test('Korean keywords are translated with a basic, deterministic text call; the English keywords go in the prompt', async () => {
    const { ctx, recorded } = kit({ text: ['"cat, space"\nExplanation: ...'] });
    const out = await textToImage({ keywords: ['고양이', '우주'], style: 'cartoon', count: 2 }, ctx);
    expect(recorded.models.text).toHaveLength(1);
    expect(recorded.models.text[0]).toMatchObject({ tier: 'basic', maxTokens: 100, temperature: 0 });
    expect(recorded.models.text[0]!.prompt).toContain('고양이, 우주');
    expect(recorded.models.text[0]!.system).toMatch(/Korean/);
    // One English keyword per Korean one, joined as English keywords are: the same prompt as for ['cat', 'space'].
    expect(out.prompt).toBe(`cat and space, ${STYLE_PRESETS.cartoon}`);
    expect(out.images).toHaveLength(2);
  });

  test('a failed translation falls back to the original keywords with a warning', async () => {
    const { ctx, recorded } = kit({ text: [modelError('MODEL_CALL_FAILED', 'no model')] });
    const out = await textToImage({ keywords: '고양이' }, ctx);
    expect(out.prompt).toBe(`고양이, ${STYLE_PRESETS.illustration}`);
    const warn = recorded.logs.find((l) => l.level === 'warn');
    expect(warn?.message).toMatch(/translation failed/);
    expect(warn?.fields).toMatchObject({ code: 'MODEL_CALL_FAILED' });
  });

  test('a blank translation falls back too', async () => {
    const { ctx, recorded } = kit({ text: ['  \n""\n'] });
    const out = await textToImage({ keywords: ['강아지', 'rain'] }, ctx);
    expect(out.prompt).toBe(`강아지 and rain, ${STYLE_PRESETS.illustration}`);
    expect(recorded.logs.some((l) => l.level === 'warn' && /blank/.test(l.message))).toBe(true);
  });

  test('without a seed each call gets its own random one, within the range Nova takes', async () => {
    const { ctx, recorded } = kit();
    for (let i = 0; i < 5; i++) await textToImage({ keywords: 'cat' }, ctx);
    const seeds = recorded.models.image.map((c) => c.seed!);
    for (const seed of seeds) {
      expect(Number.isInteger(seed)).toBe(true);
      expect(seed).toBeGreaterThanOrEqual(0);
      expect(seed).toBeLessThanOrEqual(MAX_SEED);
    }
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  test('keywords with nothing visible are refused before any model call', async () => {
    const { ctx, recorded } = kit();
    await expect(textToImage({ keywords: ['\u0001', '\u200B'] }, ctx)).rejects.toMatchObject({ code: 'REQUEST_REJECTED', message: expect.stringMatching(/visible character/) });
    expect(recorded.models.image).toHaveLength(0);
  });
});

describe('sketch-to-image', () => {
  test('an image variation of the sketch bytes, with the default similarity and a generic subject', async () => {
    const { ctx, recorded } = kit();
    const sketch = fakePng(9);
    const out = await sketchToImage({ sketch, style: 'cartoon' }, ctx);
    const call = recorded.models.image[0]!;
    // The host copies the sketch: the model gets the same bytes, not the same array.
    expect(call.image).toEqual(sketch);
    expect(call.similarity).toBe(0.7);
    expect(call.prompt).toBe(`${SKETCH_SUBJECT}, ${STYLE_PRESETS.cartoon}`);
    expect(out.images).toHaveLength(1);
    expect(recorded.models.text).toHaveLength(0);
  });

  test('keywords (translated) guide the sketch; similarity and size pass through; JPEG is accepted', async () => {
    const { ctx, recorded } = kit({ text: ['a red house'] });
    const out = await sketchToImage({ sketch: JPEG, keywords: '빨간 집', similarity: 0.35, count: 2, size: '640x1152' }, ctx);
    expect(recorded.models.image[0]).toMatchObject({ similarity: 0.35, count: 2, width: 640, height: 1152 });
    expect(out.prompt).toBe(`a red house, ${STYLE_PRESETS.illustration}`);
  });

  test('bytes that are neither PNG nor JPEG, or a string, are refused', async () => {
    const { ctx, recorded } = kit();
    await expect(sketchToImage({ sketch: new Uint8Array([1, 2, 3, 4]) }, ctx)).rejects.toMatchObject({ code: 'REQUEST_REJECTED', message: expect.stringMatching(/PNG or JPEG/) });
    await expect(sketchToImage({ sketch: 'iVBORw0KGgo=' as unknown as Uint8Array }, ctx)).rejects.toThrow(/as bytes/);
    expect(recorded.models.image).toHaveLength(0);
  });
});

describe('returnBytes', () => {
  const pngs = [fakePng(1), fakePng(2), fakePng(3)];

  test('true: bytes holds the PNG bytes of each image, in the order of images and as stored', async () => {
    const { ctx, readStorage } = kit({ image: () => pngs.map((p) => p.slice()) });
    const out = await textToImage({ keywords: 'cat', count: 3, returnBytes: true }, ctx);
    expect(out.bytes).toHaveLength(3);
    for (const b of out.bytes!) expect(b).toBeInstanceOf(Uint8Array);
    expect(out.bytes!.map((b) => Array.from(b))).toEqual(pngs.map((p) => Array.from(p)));
    const stored = await readStorage();
    const byBlob = new Map(stored.map((o) => [o.info.blobId, Array.from(o.bytes)]));
    expect(out.images.map((i) => byBlob.get(i.blobId))).toEqual(out.bytes!.map((b) => Array.from(b)));
  });

  test('the sketch path answers them too', async () => {
    const { ctx } = kit({ image: () => [fakePng(7)] });
    const out = await sketchToImage({ sketch: JPEG, returnBytes: true }, ctx);
    expect(out.bytes!.map((b) => Array.from(b))).toEqual([Array.from(fakePng(7))]);
  });

  test('false or absent: no bytes field at all', async () => {
    const { ctx } = kit();
    expect(await textToImage({ keywords: 'cat', returnBytes: false }, ctx)).not.toHaveProperty('bytes');
    expect(await sketchToImage({ sketch: JPEG }, ctx)).not.toHaveProperty('bytes');
  });
});

describe('storing images', () => {
  test('zero images is an error', async () => {
    const { ctx } = kit();
    await expect(storeImages({ images: [], model: 'm', cost: 0, width: 512, height: 512 }, ctx)).rejects.toThrow(/no images/);
  });

  test('one image that is not a PNG: nothing is stored', async () => {
    const { ctx, recorded } = kit();
    const bad = { images: [fakePng(), new Uint8Array([0xff, 0xd8, 0xff, 0, 0, 0, 0, 0, 0])], model: 'm', cost: 0.08, width: 512, height: 512 };
    await expect(storeImages(bad, ctx)).rejects.toThrow(/image 1 that is not a PNG/);
    expect(recorded.puts).toHaveLength(0);
  });
});

describe('cancellation', () => {
  test('a cancel during the image call stops before storing', async () => {
    const { ctx, recorded } = cancelledDuring('image');
    await expect(textToImage({ keywords: 'cat' }, ctx)).rejects.toMatchObject({ code: 'EXECUTION_CANCELLED' });
    expect(recorded.puts).toHaveLength(0);
  });

  test('a cancel during translation is not swallowed by the fallback', async () => {
    const { ctx, recorded } = cancelledDuring('text', [new Error('aborted')]);
    await expect(subjectFor(['고양이'], ctx)).rejects.toMatchObject({ code: 'EXECUTION_CANCELLED' });
    expect(recorded.models.image).toHaveLength(0);
  });
});

describe('the grant', () => {
  test('canvas asks for no kv and no embeddings: both are denied, as on a host', async () => {
    const { ctx } = kit();
    await expect(ctx.kv.get('anything')).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(ctx.models.embed({ text: 'cat' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });
});
