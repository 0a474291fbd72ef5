/** `easel pack [dir] [--out <folder>]`: writes `<name>-<version>.tgz`, like `npm pack`, after the same checks as validate. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { BundleError } from '../bundle/errors.ts';
import { packPlugin, type PackedPlugin } from '../bundle/pack.ts';
import { checkScriptLoads } from '../isolate/load-check.ts';
import { printProblems, type CliIo } from './io.ts';
import type { Command } from './main.ts';

export const packCommand: Command = {
  usage: 'pack [dir] [--out <folder>]',
  summary: 'build <name>-<version>.tgz (into the plugin folder by default)',
  options: { out: { type: 'string', short: 'o' } },
  positionals: [0, 1],
  run: ([dir = '.'], values, io) => pack(dir, values.out as string | undefined, io),
};

async function pack(dir: string, out: string | undefined, io: CliIo): Promise<number> {
  const packed = await packChecked(dir, io);
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
export async function packChecked(dir: string, io: CliIo): Promise<PackedPlugin | undefined> {
  let packed: PackedPlugin;
  try {
    packed = await packPlugin(dir);
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    io.err(`cannot pack ${dir} (${err.code}):`);
    printProblems(io, err.problems);
    return undefined;
  }
  const check = await checkScriptLoads(packed.script, packed.manifest);
  if (!check.ok) {
    io.err(`cannot pack ${dir} (${check.code}):`);
    io.err(check.message);
    return undefined;
  }
  return packed;
}
