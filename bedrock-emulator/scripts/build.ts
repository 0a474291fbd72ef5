/**
 * Builds the published form of @easel/bedrock-emulator into dist/ (see
 * scripts/build-package.ts) with every dependency inlined (fastify, ajv, pngjs, the
 * event-stream codec), so installing it needs nothing from a registry but the package itself.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForNode, cleanDist, writeDeclarations } from '../../scripts/build-package.ts';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

cleanDist(pkg);
await bundleForNode(pkg, { index: 'src/index.ts', seeded: 'src/seeded.ts', cli: 'src/cli.ts' });
writeDeclarations(pkg);
