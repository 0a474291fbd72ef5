/**
 * How `easel dev` says what happened: a failed reload as one block (each build error with
 * its file:line:column, the source line and a caret), and the plugin's log lines and calls
 * as one line each.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleProblem } from '../../bundle/errors.ts';
import type { CliIo } from '../io.ts';

/** Build error locations as `easel pack` names them: `file:line:column`, both counted from 1 as editors do. */
const LOCATION = /^(.+):(\d+):(\d+)$/;

/**
 * Prints a refused reload: a heading, then each problem. A build error's location comes with
 * its source line and a caret under the column.
 */
export async function printFailure(io: CliIo, root: string, heading: string, problems: BundleProblem[], footer: string): Promise<void> {
  const lines = [`✗ ${heading}`];
  for (const problem of problems) {
    const at = LOCATION.exec(problem.path);
    if (!at) {
      lines.push(problem.path ? `  ${problem.path}: ${problem.message}` : `  ${problem.message}`);
      continue;
    }
    const [, file, line, column] = at as unknown as [string, string, string, string];
    lines.push(`  ${file}:${line}:${column}: ${problem.message}`);
    const source = await sourceLine(join(root, file), Number(line));
    if (source !== undefined) {
      const gutter = `  ${line} | `;
      lines.push(`${gutter}${source}`);
      lines.push(`${' '.repeat(gutter.length - 2)}| ${' '.repeat(Math.min(Number(column) - 1, source.length))}^`);
    }
  }
  lines.push(`  ${footer}`);
  io.err(lines.join('\n'));
}

async function sourceLine(file: string, line: number): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const found = text?.split(/\r?\n/)[line - 1];
  return found === undefined ? undefined : found.replace(/\t/g, ' ');
}

/** One log event of the plugin log stream. */
export function logLine(data: { level?: string; message?: string; fields?: unknown; executionId?: string; time?: string }): string {
  const fields = data.fields !== undefined ? ` ${JSON.stringify(data.fields)}` : '';
  return `${clock(data.time)} ${(data.level ?? 'info').padEnd(5)} ${data.message ?? ''}${fields}${execution(data.executionId)}`;
}

/** One call event of the plugin log stream. */
export function callLine(data: { kind?: string; target?: string; outcome?: string; code?: string; message?: string; durationMs?: number; caller?: string; executionId?: string }): string {
  const who = `${data.kind ?? 'call'} ${data.target ?? ''}${data.caller ? ` (called by ${data.caller})` : ''}`;
  const error = data.code ? ` ${data.code}: ${data.message ?? ''}` : '';
  const took = typeof data.durationMs === 'number' ? ` in ${Math.round(data.durationMs)} ms` : '';
  return `${clock()} ${data.outcome === 'succeeded' ? 'call ' : 'ERROR'} ${who} ${data.outcome ?? 'ended'}${took}${error}${execution(data.executionId)}`;
}

function clock(iso?: string): string {
  const date = iso ? new Date(iso) : new Date();
  return Number.isNaN(date.getTime()) ? '--:--:--' : date.toTimeString().slice(0, 8);
}

function execution(id?: string): string {
  return id ? `  [${id.slice(0, 8)}]` : '';
}
