/**
 * Tarballs in a local folder: `<root>/<2 hex>/<128 hex>.tgz`. Writes go to a temp file in
 * the same folder, are fsynced, then renamed into place, so a reader never sees half a
 * tarball and a crash leaves at most a stray temp file.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { StoredTarball, TarballStorage } from './tarball-storage.ts';

const HEX512 = /^[0-9a-f]{128}$/;

export class LocalFolderStorage implements TarballStorage {
  #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  #path(digest: string): string {
    // The digest is computed by the registry, never taken from a URL; still, no path tricks.
    if (!HEX512.test(digest)) throw new Error('invalid tarball digest');
    return join(this.#root, digest.slice(0, 2), `${digest}.tgz`);
  }

  async put(digest: string, data: Buffer): Promise<void> {
    const path = this.#path(digest);
    if (await this.has(digest)) return;
    const dir = join(this.#root, digest.slice(0, 2));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = join(dir, `.${digest.slice(0, 16)}-${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(temp, 'wx', 0o600);
    try {
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async open(digest: string): Promise<StoredTarball | undefined> {
    const path = this.#path(digest);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    return { size: info.size, stream: createReadStream(path) };
  }

  async has(digest: string): Promise<boolean> {
    return (await stat(this.#path(digest)).catch(() => undefined))?.isFile() ?? false;
  }

  async delete(digest: string): Promise<void> {
    await rm(this.#path(digest), { force: true });
  }
}
