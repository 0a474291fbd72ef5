/**
 * Real PNGs for image generation. Pixels derive from a sha256 of (prompt, negative prompt,
 * seed, image index) and, for variations, from the input image: decoded PNG pixels are
 * resampled and tinted, a JPEG (no decoder at hand) contributes the hash of its bytes.
 * Patterns are blocky on purpose: rows repeat, so the PNG "up" filter and a fast deflate
 * level keep a 1024×1024 image quick to encode and small.
 */
import { PNG } from 'pngjs';
import type { ImageRequest, SourceImage } from './image-request.ts';
import { random, seedOf, sha256 } from './seeded.ts';

const BLOCK = 32;
/** Share of the tint in a variation; the rest comes from the input image. */
const TINT = 0.35;

type Rgb = [number, number, number];

function colorAt(digest: Buffer, offset: number): Rgb {
  return [digest[offset] ?? 0, digest[offset + 1] ?? 0, digest[offset + 2] ?? 0];
}

/** Coloured blocks with a horizontal ramp inside each; every row of a block row repeats. */
function blocks(png: PNG, digest: Buffer): void {
  const { width, height, data } = png;
  const [a, b] = [colorAt(digest, 0), colorAt(digest, 3)];
  const next = random(seedOf(digest, 8));
  const rowBytes = width * 4;
  for (let y0 = 0; y0 < height; y0 += BLOCK) {
    const start = y0 * rowBytes;
    for (let x0 = 0; x0 < width; x0 += BLOCK) {
      const t = next();
      const base = [0, 1, 2].map((c) => a[c]! * (1 - t) + b[c]! * t);
      for (let dx = 0; dx < BLOCK && x0 + dx < width; dx++) {
        const p = start + (x0 + dx) * 4;
        const ramp = (dx / BLOCK) * 48 - 24;
        data[p] = Math.max(0, Math.min(255, base[0]! + ramp));
        data[p + 1] = Math.max(0, Math.min(255, base[1]! + ramp));
        data[p + 2] = Math.max(0, Math.min(255, base[2]! - ramp));
        data[p + 3] = 255;
      }
    }
    const rows = Math.min(BLOCK, height - y0);
    for (let dy = 1; dy < rows; dy++) data.copyWithin(start + dy * rowBytes, start, start + rowBytes);
  }
}

/** The input image resampled (nearest pixel) to the output size, tinted by the digest. */
function resampled(png: PNG, source: PNG, digest: Buffer): void {
  const { width, height, data } = png;
  const tint = colorAt(digest, 0);
  for (let y = 0; y < height; y++) {
    const sy = Math.floor((y * source.height) / height);
    for (let x = 0; x < width; x++) {
      const sx = Math.floor((x * source.width) / width);
      const s = (sy * source.width + sx) * 4;
      const p = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) data[p + c] = Math.round(source.data[s + c]! * (1 - TINT) + tint[c]! * TINT);
      data[p + 3] = 255;
    }
  }
}

function sourcesDigest(sources: SourceImage[]): Buffer {
  return sha256('sources', ...sources.map((source) => source.bytes));
}

export function renderImages(req: ImageRequest): Buffer[] {
  const fromSources = sourcesDigest(req.sources);
  const images: Buffer[] = [];
  for (let i = 0; i < req.numberOfImages; i++) {
    const digest = sha256('image', req.taskType, req.text, req.negativeText, String(req.seed), String(i), fromSources);
    const png = new PNG({ width: req.width, height: req.height });
    const first = req.sources[0];
    if (first?.kind === 'png') resampled(png, first.png, digest);
    else blocks(png, digest);
    images.push(PNG.sync.write(png, { colorType: 2, deflateLevel: 1, filterType: 2 }));
  }
  return images;
}
