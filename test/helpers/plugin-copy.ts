/**
 * A plugin folder copied to a temp folder, as an author has it: its own files, and
 * `node_modules/@easel/sdk` (here a link to this checkout's SDK, which must be built).
 */
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO } from './pack.ts';

const PLUGIN_FILES = ['plugin.json', 'package.json', 'README.md', 'src'];

export interface PluginCopy {
  /** The plugin folder. */
  dir: string;
  remove(): Promise<void>;
}

export async function copyPlugin(source: string): Promise<PluginCopy> {
  const base = await mkdtemp(join(tmpdir(), 'easel-plugin-'));
  const dir = join(base, 'plugin');
  // The plugin's own files only: other tests may write packed bundles or dist/ into the source folder meanwhile.
  for (const entry of PLUGIN_FILES) {
    await cp(resolve(REPO, source, entry), join(dir, entry), { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT' || entry === 'plugin.json') throw err;
    });
  }
  await mkdir(join(dir, 'node_modules', '@easel'), { recursive: true });
  await symlink(join(REPO, 'sdk'), join(dir, 'node_modules', '@easel', 'sdk'), 'dir');
  return { dir, remove: () => rm(base, { recursive: true, force: true }) };
}
