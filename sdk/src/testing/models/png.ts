/** A real PNG of one colour, for the default image answer: what plugins that check PNGs accept. */
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const made = new Map<string, Buffer>();

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGB PNG of `width` x `height` filled with `rgb`; the same arguments give the same bytes. */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const key = `${width}x${height}:${rgb.join(',')}`;
  let png = made.get(key);
  if (!png) {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(width, 0);
    header.writeUInt32BE(height, 4);
    header.set([8, 2, 0, 0, 0], 8);
    // Each row: filter byte 0, then the pixels.
    const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
    const pixels = Buffer.concat(Array.from({ length: height }, () => row));
    png = Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
    if (made.size > 32) made.clear();
    made.set(key, png);
  }
  return new Uint8Array(png);
}
