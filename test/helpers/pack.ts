/** Packs a plugin folder with the real `easel` CLI (a child process), returning the tarball. */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = resolve(import.meta.dirname, '../..');
export const EASEL_CLI = join(REPO, 'sdk/bin/easel.js');

export async function packWithCli(pluginDir: string, options: { skipLoadCheck?: boolean } = {}): Promise<{ tarball: Buffer; stdout: string }> {
  const out = await mkdtemp(join(tmpdir(), 'easel-pack-'));
  const flags = options.skipLoadCheck ? ['--skip-load-check'] : [];
  const { stdout } = await run(process.execPath, [EASEL_CLI, 'pack', resolve(REPO, pluginDir), '--out', out, ...flags]);
  const [file] = (await readdir(out)).filter((f) => f.endsWith('.tgz'));
  if (!file) throw new Error(`easel pack wrote no tarball: ${stdout}`);
  return { tarball: await readFile(join(out, file)), stdout };
}
