/** Renders the generated reference pages (see gen-docs.ts). */
import { CONFIG_VARIABLES } from '../host/src/config/index.ts';
import { ERROR_TABLE } from '../host/src/errors/index.ts';

const cell = (text: string) => text.replaceAll('|', '\\|');
/** A code span, fenced with two backticks when the text has one. */
const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);

export function renderErrorsDoc(): string {
  return [
    '# Error codes',
    '',
    '<!-- generated from host/src/errors/table.ts by scripts/gen-docs.ts; do not edit -->',
    '',
    'Every error answer has the shape `{statusCode, code, error, message, details?}`. Codes are stable and never reused.',
    'Each code has one message, its template below with each `{name}` filled in; a message that comes from outside',
    "the host (a plugin's own error, a provider's or a registry's answer) is passed on as it is.",
    '',
    '| Code | HTTP | Message | Meaning | How to fix |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(ERROR_TABLE).map(([name, e]) => `| \`${name}\` | ${e.status} | ${cell(code(e.message))} | ${cell(e.meaning)} | ${cell(e.fix)} |`),
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
