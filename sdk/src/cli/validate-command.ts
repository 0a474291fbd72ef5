/** `easel validate <dir>`: checks plugin.json without building anything. */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { validateManifest } from '../bundle/validate-manifest.ts';
import { printProblems, type CliIo } from './io.ts';

/** Exit code 0 when valid, 1 with every problem printed otherwise. */
export async function validateCommand(target: string, io: CliIo): Promise<number> {
  // Accept the plugin folder or the plugin.json file itself.
  const file = (await stat(target).catch(() => undefined))?.isDirectory() ? join(target, 'plugin.json') : target;
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(code === 'ENOENT' ? `${file}: not found` : `${file}: not valid JSON: ${(err as Error).message}`);
    return 1;
  }
  const result = validateManifest(value);
  if (!result.ok) {
    printProblems(io, result.problems);
    io.err(`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${file}`);
    return 1;
  }
  io.out(`ok: ${result.manifest.name}@${result.manifest.version}`);
  return 0;
}
