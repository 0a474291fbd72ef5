import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/**
 * Every regular file under `dir` with its sha256, paths relative and '/'-separated, as
 * extraction recorded them. Links count as files that do not match (lstat, never followed).
 */
export async function listFiles(dir: string): Promise<{ path: string; sha256: string }[]> {
  const out: { path: string; sha256: string }[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    const full = join(dir, entry);
    const info = await lstat(full);
    if (info.isDirectory()) continue;
    const sha256 = info.isFile() ? createHash('sha256').update(await readFile(full)).digest('hex') : `not a file (${info.mode.toString(8)})`;
    out.push({ path: relative(dir, full).split(sep).join('/'), sha256 });
  }
  return out;
}
