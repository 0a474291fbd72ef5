/** Checking, storing and describing the images a model returned. */
import type { Context } from '@easel/sdk';

/** One stored image, as the capabilities return it. */
export interface Image {
  blobId: string;
  url: string;
  width: number;
  height: number;
  contentType: string;
  model: string;
  /** USD: the model call's cost divided across its images. */
  cost: number;
}

/** What `ctx.models.image` answers. */
export interface ImageResult {
  images: Uint8Array[];
  model: string;
  cost: number;
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, signature: readonly number[]) =>
  bytes.length >= signature.length && signature.every((b, i) => bytes[i] === b);

/** True when the bytes start with the PNG signature (and have room for more than it). */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length > PNG_SIGNATURE.length && startsWith(bytes, PNG_SIGNATURE);
}

/** True when the bytes start like a PNG or a JPEG. */
export function isPngOrJpeg(bytes: Uint8Array): boolean {
  return isPng(bytes) || startsWith(bytes, JPEG_SIGNATURE);
}

/** The sketch as a Uint8Array; the host decodes the base64 field before the handler runs. */
export function sketchBytes(sketch: unknown): Uint8Array {
  if (sketch instanceof Uint8Array) return sketch;
  if (ArrayBuffer.isView(sketch)) return new Uint8Array(sketch.buffer, sketch.byteOffset, sketch.byteLength);
  if (sketch instanceof ArrayBuffer) return new Uint8Array(sketch);
  throw new Error(`sketch must reach the plugin as bytes, not ${typeof sketch}`);
}

/** Rounds to nano-dollars, the unit the host keeps money in. */
const nanoUsd = (usd: number) => Math.round(usd * 1e9) / 1e9;

/**
 * Checks every image is a PNG (nothing is stored if one is not), stores each under
 * `images/<executionId>/<i>.png` and describes it with a URL. Throws when the model returned
 * no image at all.
 */
export async function storeImages(result: ImageResult, ctx: Context): Promise<Image[]> {
  const { images } = result;
  if (images.length === 0) throw new Error(`the image model (${result.model}) returned no images`);
  images.forEach((bytes, i) => {
    if (!isPng(bytes)) throw new Error(`the image model (${result.model}) returned image ${i} that is not a PNG`);
  });
  const cost = nanoUsd(result.cost / images.length);
  const out: Image[] = [];
  for (const [i, bytes] of images.entries()) {
    ctx.signal.throwIfAborted();
    const info = await ctx.storage.put(`images/${ctx.executionId}/${i}.png`, bytes, 'image/png');
    const url = await ctx.storage.url(info.key);
    out.push({ blobId: info.blobId, url, width: result.width, height: result.height, contentType: info.contentType, model: result.model, cost });
  }
  return out;
}
