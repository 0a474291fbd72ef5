/** Rewrites the generated tables of docs/reference/registry.md (`npm run gen-docs -w registry`). */
import { readFile, writeFile } from 'node:fs/promises';
import { regenerate } from './render.ts';

const page = new URL('../../../docs/reference/registry.md', import.meta.url);
await writeFile(page, regenerate(await readFile(page, 'utf8')));
