/**
 * The generated parts of docs/reference/registry.md: the error table (each code's message
 * template included) and the configuration table, between `<!-- generated:NAME -->` markers.
 * A test fails when the page drifts from the code; `npm run gen-docs -w registry` rewrites them.
 */
import { CONFIG_VARIABLES } from '../config/index.ts';
import { ERROR_TABLE } from '../errors/index.ts';

const cell = (text: string) => text.replaceAll('|', '\\|');

export function renderErrorTable(): string {
  return [
    '| Code | HTTP | Message | Meaning | How to fix |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(ERROR_TABLE).map(([code, e]) => `| \`${code}\` | ${e.status} | ${cell(e.message)} | ${cell(e.meaning)} | ${cell(e.fix)} |`),
  ].join('\n');
}

export function renderConfigTable(): string {
  return [
    '| Variable | Default | Meaning |',
    '| --- | --- | --- |',
    ...CONFIG_VARIABLES.map((v) => `| \`${v.env}\` | ${v.default === undefined ? '(unset)' : `\`${String(v.default)}\``} | ${cell(v.description)} |`),
  ].join('\n');
}

export const GENERATED: Record<string, () => string> = { errors: renderErrorTable, config: renderConfigTable };

/** `page` with every generated block replaced by its current rendering. */
export function regenerate(page: string): string {
  let out = page;
  for (const [name, render] of Object.entries(GENERATED)) {
    const start = `<!-- generated:${name} -->`;
    const end = `<!-- /generated:${name} -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs/reference/registry.md has no ${start} … ${end} block`);
    out = `${out.slice(0, from + start.length)}\n${render()}\n${out.slice(to)}`;
  }
  return out;
}
