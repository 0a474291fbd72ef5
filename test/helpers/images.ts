/** Real PNG images for tests (pngjs), and reading back what the host serves. */
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';

/** A `size`×`size` PNG of one shape: a filled square or a ring, in an RGB colour. */
export function drawSketch(shape: 'square' | 'ring', rgb: [number, number, number], size = 64): Buffer {
  const png = new PNG({ width: size, height: size });
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c);
      const inside = shape === 'square' ? Math.abs(x - c) < size / 4 && Math.abs(y - c) < size / 4 : d > size / 5 && d < size / 3;
      const i = (y * size + x) * 4;
      png.data[i] = inside ? rgb[0] : 255;
      png.data[i + 1] = inside ? rgb[1] : 255;
      png.data[i + 2] = inside ? rgb[2] : 255;
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** Decodes a PNG (throws when it is not one) and returns its size. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const { width, height } = PNG.sync.read(bytes);
  return { width, height };
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
