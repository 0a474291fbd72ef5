/** Where the CLI writes; tests and embedders can pass their own. */
import type { BundleProblem } from '../bundle/errors.ts';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
};

/** `path: message`, one per line; archive-level problems have no path. */
export function printProblems(io: CliIo, problems: BundleProblem[]): void {
  for (const p of problems) io.err(p.path ? `${p.path}: ${p.message}` : p.message);
}
