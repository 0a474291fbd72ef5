/** `easel pack <dir> [--out <folder>]`: writes `<name>-<version>.tgz`, like `npm pack`. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { BundleError } from '../bundle/errors.ts';
import { packPlugin } from '../bundle/pack.ts';
import { printProblems, type CliIo } from './io.ts';

/** Exit code 0 with the file's path, size and integrity printed; 1 with the problems otherwise. */
export async function packCommand(dir: string, out: string | undefined, io: CliIo): Promise<number> {
  try {
    const packed = await packPlugin(dir);
    const folder = resolve(out ?? dir);
    await mkdir(folder, { recursive: true });
    const file = join(folder, packed.filename);
    await writeFile(file, packed.tarball);
    const shown = relative(process.cwd(), file);
    io.out(shown.startsWith('..') ? file : shown);
    io.out(`size: ${packed.tarball.length} bytes`);
    io.out(`integrity: ${packed.integrity}`);
    return 0;
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    io.err(`cannot pack ${dir} (${err.code}):`);
    printProblems(io, err.problems);
    return 1;
  }
}
