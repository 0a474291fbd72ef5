/** The shape of one `easel` command: its usage line, options and handler (see main.ts for the table). */
import type { ParseArgsOptionsConfig } from 'node:util';
import type { CliIo } from './io.ts';

/** Parsed options of one command: strings and booleans by option name. */
export type CommandValues = Record<string, string | boolean | undefined>;

export interface Command {
  /** `easel <usage>` as the help shows it. */
  usage: string;
  summary: string;
  options: ParseArgsOptionsConfig;
  /** Fewest and most positional arguments. */
  positionals: [number, number];
  run(positionals: string[], values: CommandValues, io: CliIo): Promise<number>;
}
