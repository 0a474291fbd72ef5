/** The `easel` command line: argument parsing and dispatch. */
import { parseArgs } from 'node:util';
import sdkPackage from '../../package.json' with { type: 'json' };
import { processIo, type CliIo } from './io.ts';
import { packCommand } from './pack-command.ts';
import { validateCommand } from './validate-command.ts';

export const HELP = `easel: write, check and pack Easel plugins

Usage:
  easel validate <dir>                check <dir>/plugin.json against the manifest rules
  easel pack <dir> [--out <folder>]   build <name>-<version>.tgz (into <dir> by default)
  easel --help | --version

Exit codes: 0 ok, 1 problems found, 2 bad usage.`;

/**
 * Runs the CLI with `argv` (without node and the script) and returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (values.version) {
    io.out(sdkPackage.version);
    return 0;
  }
  const [command, dir, ...extra] = positionals;
  if (!command) return usage(io, 'no command given');
  if (command !== 'validate' && command !== 'pack') return usage(io, `unknown command "${command}"`);
  if (!dir) return usage(io, `${command} needs a plugin folder`);
  if (extra.length > 0) return usage(io, `unexpected arguments: ${extra.join(' ')}`);
  if (command === 'validate') {
    if (values.out !== undefined) return usage(io, '--out only applies to pack');
    return validateCommand(dir, io);
  }
  return packCommand(dir, values.out, io);
}

function usage(io: CliIo, message: string): number {
  io.err(`easel: ${message}`);
  io.err(HELP);
  return 2;
}
