/**
 * Blobs as files under one folder: `<dir>/<plugin>/<uuid>`. A put writes a temp file in
 * `<dir>/.tmp/`, fsyncs it, renames it into place and fsyncs the target's folder, so a crash
 * leaves either the old object or the new one, never a torn file, and the rename survives
 * power loss. `.tmp` starts with `.`, which no object key segment may, so it never shadows a
 * plugin's folder; and what a crash leaves is all in that one small folder for the sweeper.
 *
 * Files are 0600 and folders 0700: the bytes are the plugins' data, not the host user's
 * neighbours'. Every fs failure becomes STORAGE_UNAVAILABLE with the errno code only: the
 * message reaches plugins, and the host's paths are none of their business (the original
 * error rides along as `cause` for the host log).
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { EaselError } from '../errors/index.ts';
import { storageUnavailable, type BlobBackend } from './backend.ts';

/** Host-generated keys only: `[a-z0-9-]` segments joined by `/`. Anything else is a host bug. */
const OBJECT_KEY = /^[a-z0-9-]+(?:\/[a-z0-9-]+)*$/;
const MAX_KEY_LENGTH = 512;

export function assertObjectKey(objectKey: string): void {
  if (objectKey.length > MAX_KEY_LENGTH || !OBJECT_KEY.test(objectKey)) throw new Error('refused a malformed storage object key');
}

/** STORAGE_UNAVAILABLE with the errno code (never the path, which the fs error's message holds). */
function unavailable(operation: string, error: unknown): EaselError {
  const code = (error as { code?: unknown } | null)?.code;
  return storageUnavailable(operation, typeof code === 'string' && /^E[A-Z0-9]{1,30}$/.test(code) ? code : undefined, error);
}

const isMissing = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 'ENOENT';

/** fsync a folder so a rename or a new entry in it is durable, not just the file's bytes. */
async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class LocalFolderBackend implements BlobBackend {
  readonly kind = 'local' as const;
  readonly #dir: string;
  /** Temp and probe files: on the objects' file system (renames stay atomic), never in a plugin's folder. */
  readonly #scratch: string;

  constructor(options: { dir: string }) {
    this.#dir = options.dir;
    this.#scratch = join(options.dir, '.tmp');
  }

  #path(objectKey: string): string {
    assertObjectKey(objectKey);
    return join(this.#dir, ...objectKey.split('/'));
  }

  async put(objectKey: string, bytes: Uint8Array, _meta: { contentType: string; sha256: string }, signal?: AbortSignal): Promise<void> {
    const target = this.#path(objectKey);
    signal?.throwIfAborted();
    const folder = dirname(target);
    const temp = join(this.#scratch, `.tmp-${randomBytes(12).toString('hex')}`);
    let written = false;
    try {
      // mkdir answers the first folder it created: its parent must learn of it durably too.
      const created = await mkdir(folder, { recursive: true, mode: 0o700 });
      if (created !== undefined) await syncDir(dirname(created));
      await mkdir(this.#scratch, { recursive: true, mode: 0o700 });
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(bytes, { signal });
        await handle.sync();
      } finally {
        await handle.close();
      }
      signal?.throwIfAborted();
      await rename(temp, target);
      written = true;
      await syncDir(folder);
    } catch (error) {
      if (!written) await unlink(temp).catch(() => {});
      // A cancel is the caller's own doing, not a storage failure: it keeps its reason.
      if (signal?.aborted) throw signal.reason;
      throw unavailable('put', error);
    }
  }

  async get(objectKey: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    const path = this.#path(objectKey);
    try {
      return await readFile(path, { signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (isMissing(error)) return undefined;
      throw unavailable('get', error);
    }
  }

  async delete(objectKey: string): Promise<void> {
    const path = this.#path(objectKey);
    try {
      await unlink(path);
    } catch (error) {
      if (!isMissing(error)) throw unavailable('delete', error);
    }
  }

  /** Creates the folder if needed and writes, syncs and removes a probe file in it. */
  async check(): Promise<void> {
    const probe = join(this.#scratch, `.probe-${randomBytes(12).toString('hex')}`);
    try {
      await mkdir(this.#scratch, { recursive: true, mode: 0o700 });
      // access(W_OK) would lie for root and on read-only mounts; a real write does not.
      const handle = await open(probe, 'wx', 0o600);
      try {
        await handle.writeFile('probe');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await unlink(probe);
    } catch (error) {
      await unlink(probe).catch(() => {});
      throw unavailable('check', error);
    }
  }

  /** Temp and probe files a crash left behind: only the scratch folder is read, never the objects'. */
  async sweepLeftovers(olderThanMs: number): Promise<number> {
    const before = Date.now() - olderThanMs;
    let removed = 0;
    let entries: Dirent[];
    try {
      entries = await readdir(this.#scratch, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return 0;
      throw unavailable('sweep', error);
    }
    for (const entry of entries) {
      if (!entry.isFile() || !LEFTOVER.test(entry.name)) continue;
      const path = join(entry.parentPath, entry.name);
      try {
        if ((await stat(path)).mtimeMs < before) {
          await unlink(path);
          removed++;
        }
      } catch (error) {
        if (!isMissing(error)) throw unavailable('sweep', error);
      }
    }
    return removed;
  }

  async close(): Promise<void> {}
}

const LEFTOVER = /^\.(tmp|probe)-[0-9a-f]{24}$/;
