/** The generated reference pages must match the code they are generated from. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { renderConfigDoc, renderErrorsDoc } from '../../scripts/render-docs.ts';

const read = (name: string) => readFileSync(new URL(`../../docs/reference/${name}`, import.meta.url), 'utf8');

test('docs/reference/errors.md lists every code of the error table (run scripts/gen-docs.ts)', () => {
  expect(read('errors.md')).toBe(renderErrorsDoc());
});

test('docs/reference/config.md lists every configuration variable (run scripts/gen-docs.ts)', () => {
  expect(read('config.md')).toBe(renderConfigDoc());
});
