/** `easel pack [dir] [--out <folder>]`: writes `<name>-<version>.tgz`, like `npm pack`, after the same checks as validate. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { BundleError } from '../bundle/errors.ts';
import { packPlugin, type PackedPlugin } from '../bundle/pack.ts';
import { checkScriptLoads } from '../isolate/load-check.ts';
import { printProblems, type CliIo } from './io.ts';
import type { Command } from './command.ts';

export const packCommand: Command = {
  usage: 'pack [dir] [--out <folder>] [--skip-load-check]',
  summary: 'build <name>-<version>.tgz (into the plugin folder by default)',
  // --skip-load-check packs a plugin that fails to load, e.g. to test how a host refuses it.
  options: { out: { type: 'string', short: 'o' }, 'skip-load-check': { type: 'boolean' } },
  positionals: [0, 1],
  run: ([dir = '.'], values, io) => pack(dir, values.out as string | undefined, values['skip-load-check'] === true, io),
};

async function pack(dir: string, out: string | undefined, skipLoadCheck: boolean, io: CliIo): Promise<number> {
  const packed = await packChecked(dir, io, skipLoadCheck);
  if (!packed) return 1;
  const folder = resolve(out ?? dir);
  await mkdir(folder, { recursive: true });
  const file = join(folder, packed.filename);
  await writeFile(file, packed.tarball);
  const shown = relative(process.cwd(), file);
  io.out(shown.startsWith('..') ? file : shown);
  io.out(`size: ${packed.tarball.length} bytes`);
  io.out(`integrity: ${packed.integrity}`);
  return 0;
}

/**
 * Packs `dir` and loads the packed script in an isolate as the host would; prints the
 * problems and answers undefined when either fails.
 */
export async function packChecked(dir: string, io: CliIo, skipLoadCheck = false): Promise<PackedPlugin | undefined> {
  let packed: PackedPlugin;
  try {
    packed = await packPlugin(dir);
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    io.err(`cannot pack ${dir} (${err.code}):`);
    printProblems(io, err.problems);
    return undefined;
  }
  if (skipLoadCheck) return packed;
  const check = await checkScriptLoads(packed.script, packed.manifest);
  if (!check.ok) {
    io.err(`cannot pack ${dir} (${check.code}):`);
    io.err(check.message);
    return undefined;
  }
  return packed;
}
