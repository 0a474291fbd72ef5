/**
 * Writes the generated reference pages: docs/reference/errors.md from the host's error table
 * and docs/reference/config.md from CONFIG_VARIABLES. Run `./run node scripts/gen-docs.ts`;
 * test/docs checks that the committed pages match.
 */
import { writeFileSync } from 'node:fs';
import { renderConfigDoc, renderErrorsDoc } from './render-docs.ts';

writeFileSync(new URL('../docs/reference/errors.md', import.meta.url), renderErrorsDoc());
writeFileSync(new URL('../docs/reference/config.md', import.meta.url), renderConfigDoc());
