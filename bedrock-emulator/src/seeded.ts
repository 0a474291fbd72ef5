/** Determinism helpers: everything the emulator makes up derives from a sha256 of its input. */
import { createHash } from 'node:crypto';

export function sha256(...parts: Array<string | Uint8Array>): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(part);
    hash.update('\u0000');
  }
  return hash.digest();
}

/** A 32-bit seed from the first bytes of a digest. */
export function seedOf(digest: Uint8Array, offset = 0): number {
  return Buffer.from(digest).readUInt32BE(offset % (digest.length - 3));
}

/** Mulberry32: small, fast and good enough for filler text and pixels. Returns [0, 1). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over UTF-16 code units, then a murmur3 finalizer: fast hashing for features. */
export function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
