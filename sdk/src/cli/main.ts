/** The `easel` command line: a table of commands, each with its own options; parsing and dispatch. */
import { parseArgs } from 'node:util';
import sdkPackage from '../../package.json' with { type: 'json' };
import type { Command, CommandValues } from './command.ts';
import { processIo, type CliIo } from './io.ts';
import { devCommand } from './dev/dev-command.ts';
import { initCommand } from './init-command.ts';
import { loginCommand } from './login-command.ts';
import { packCommand } from './pack-command.ts';
import { publishCommand } from './publish-command.ts';
import { validateCommand } from './validate-command.ts';


const COMMANDS: Record<string, Command> = {
  init: initCommand,
  validate: validateCommand,
  pack: packCommand,
  dev: devCommand,
  publish: publishCommand,
  login: loginCommand,
};

export const HELP = `easel: write, test, check, pack and publish Easel plugins

Usage:
${Object.values(COMMANDS)
  .map((c) => `  easel ${c.usage.padEnd(58)} ${c.summary}`)
  .join('\n')}
  easel <command> --help                                       that command's options
  easel --help | --version

Exit codes: 0 ok, 1 problems found, 2 bad usage.
Docs: the README of @easel/sdk (node_modules/@easel/sdk/README.md).`;

/**
 * Runs the CLI with `argv` (without node and the script) and returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) return usage(io, 'no command given');
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(sdkPackage.version);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return usage(io, `unknown command "${name}"`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { ...command.options, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    return usage(io, (err as Error).message, command);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(commandHelp(command));
    return 0;
  }
  const [min, max] = command.positionals;
  if (positionals.length < min) return usage(io, `${name} needs ${command.usage.split(' ').slice(1, 1 + min).join(' ')}`, command);
  if (positionals.length > max) return usage(io, `unexpected arguments: ${positionals.slice(max).join(' ')}`, command);
  return command.run(positionals, values as CommandValues, io);
}

function commandHelp(command: Command): string {
  const options = Object.entries(command.options).map(([name, o]) => `  --${name}${o.type === 'string' ? ' <value>' : ''}`);
  return [`Usage: easel ${command.usage}`, '', command.summary, ...(options.length ? ['', 'Options:', ...options] : [])].join('\n');
}

function usage(io: CliIo, message: string, command?: Command): number {
  io.err(`easel: ${message}`);
  io.err(command ? commandHelp(command) : HELP);
  return 2;
}
