/** Renders the generated reference pages (see gen-docs.ts). */
import { CONFIG_VARIABLES } from '../host/src/config/index.ts';
import { ERROR_TABLE } from '../host/src/errors/index.ts';

const cell = (text: string) => text.replaceAll('|', '\\|');

export function renderErrorsDoc(): string {
  return [
    '# Error codes',
    '',
    '<!-- generated from host/src/errors/table.ts by scripts/gen-docs.ts; do not edit -->',
    '',
    'Every error answer has the shape `{statusCode, code, error, message, details?}`. Codes are stable and never reused.',
    '',
    '| Code | HTTP | Meaning | How to fix |',
    '| --- | --- | --- | --- |',
    ...Object.entries(ERROR_TABLE).map(([code, e]) => `| \`${code}\` | ${e.status} | ${cell(e.meaning)} | ${cell(e.fix)} |`),
    '',
  ].join('\n');
}

export function renderConfigDoc(): string {
  return [
    '# Configuration',
    '',
    '<!-- generated from host/src/config/variables.ts by scripts/gen-docs.ts; do not edit -->',
    '',
    'The host reads its configuration from environment variables once at start. It validates all of',
    'them, reports every problem together and refuses to start on any. `./run start` (`npm start`)',
    'honours them all.',
    '',
    '| Variable | Setting | Default | Meaning |',
    '| --- | --- | --- | --- |',
    ...CONFIG_VARIABLES.map((v) => `| \`${v.env}\` | \`${v.path}\` | ${v.default === undefined ? '(unset)' : `\`${String(v.default)}\``} | ${cell(v.description)} |`),
    '',
  ].join('\n');
}
