/**
 * V8 code caches for plugin scripts, produced only by this worker and kept in memory and on
 * disk. A cache is machine code V8 will trust (CVE-2022-39266), so the disk copy carries an
 * HMAC-SHA256 over its key and bytes; a file that fails the check is deleted and never
 * handed to V8. Keyed by sha256(script) + Node version + isolated-vm version.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const IVM_VERSION: string = (createRequire(import.meta.url)('isolated-vm/package.json') as { version: string }).version;
const MAGIC = Buffer.from('EZC1');
const MAC_BYTES = 32;

export interface CodeCacheCounters {
  cacheProduced: number;
  cacheHitsMemory: number;
  cacheHitsDisk: number;
  cacheRejectedHmac: number;
  cacheRejectedV8: number;
}

export class CodeCache {
  readonly counters: CodeCacheCounters = { cacheProduced: 0, cacheHitsMemory: 0, cacheHitsDisk: 0, cacheRejectedHmac: 0, cacheRejectedV8: 0 };
  #dir: string;
  #key: Buffer;
  #memory = new Map<string, Buffer>();
  #warn: (msg: string, fields: Record<string, unknown>) => void;

  constructor(dir: string, key: Buffer, warn: (msg: string, fields: Record<string, unknown>) => void) {
    if (key.length < 16) throw new Error('the code cache key must have at least 16 bytes');
    this.#dir = dir;
    this.#key = key;
    this.#warn = warn;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** The cache id of a script: changes with the script, Node (V8) and isolated-vm. */
  static idOf(scriptSha256: string): string {
    return createHash('sha256').update(`${scriptSha256}\0${process.version}\0${IVM_VERSION}`).digest('hex');
  }

  /** Authenticated cache bytes for a script, or undefined. */
  get(scriptSha256: string): Buffer | undefined {
    const id = CodeCache.idOf(scriptSha256);
    const hit = this.#memory.get(id);
    if (hit) {
      this.counters.cacheHitsMemory++;
      return hit;
    }
    let file: Buffer;
    try {
      file = readFileSync(this.#path(id));
    } catch {
      return undefined;
    }
    const data = file.subarray(MAGIC.length + MAC_BYTES);
    const mac = file.subarray(MAGIC.length, MAGIC.length + MAC_BYTES);
    const ok = file.length > MAGIC.length + MAC_BYTES && file.subarray(0, MAGIC.length).equals(MAGIC) && timingSafeEqual(mac, this.#mac(id, data));
    if (!ok) {
      this.counters.cacheRejectedHmac++;
      this.#warn('code cache failed authentication; deleted', { cacheId: id });
      rmSync(this.#path(id), { force: true });
      return undefined;
    }
    const copy = Buffer.from(data);
    this.#memory.set(id, copy);
    this.counters.cacheHitsDisk++;
    return copy;
  }

  put(scriptSha256: string, data: Buffer): void {
    const id = CodeCache.idOf(scriptSha256);
    this.#memory.set(id, data);
    this.counters.cacheProduced++;
    const tmp = `${this.#path(id)}.${process.pid}.tmp`;
    try {
      writeFileSync(tmp, Buffer.concat([MAGIC, this.#mac(id, data), data]), { mode: 0o600 });
      renameSync(tmp, this.#path(id));
    } catch (err) {
      rmSync(tmp, { force: true });
      this.#warn('could not write the code cache', { cacheId: id, reason: (err as Error).message });
    }
  }

  /** V8 refused the bytes (flags or version drift): forget them everywhere. */
  rejectedByV8(scriptSha256: string): void {
    const id = CodeCache.idOf(scriptSha256);
    this.counters.cacheRejectedV8++;
    this.#memory.delete(id);
    rmSync(this.#path(id), { force: true });
  }

  #mac(id: string, data: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(id).update('\0').update(data).digest();
  }

  #path(id: string): string {
    return join(this.#dir, `${id}.v8cache`);
  }
}
