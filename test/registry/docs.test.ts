/** docs/reference/registry.md must match the error table and the config variables. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ERROR_TABLE } from '../../registry/src/errors/index.ts';
import { regenerate } from '../../registry/src/docs/render.ts';

const page = readFileSync(new URL('../../docs/reference/registry.md', import.meta.url), 'utf8');

it('docs/reference/registry.md has the current generated tables (npm run gen-docs -w registry)', () => {
  expect(page).toBe(regenerate(page));
});

it('has a row per error code', () => {
  for (const code of Object.keys(ERROR_TABLE)) expect(page).toContain(`| \`${code}\` |`);
});
