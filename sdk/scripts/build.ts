/**
 * Builds the published form of @easel/sdk into dist/ (see scripts/build-package.ts):
 * - each entry point with the pure-JavaScript dependencies inlined (ajv, semver, tar, re2js),
 *   so the package needs nothing from a registry but itself; `@easel/sdk` itself (what plugin
 *   code imports and what ends up inside an isolate) is built apart and stays a few lines;
 * - isolated-vm and esbuild-wasm stay external: they ship as bundled dependencies (see
 *   stage-bundled.ts), and native esbuild is used instead when the author has it;
 * - tsc writes the declarations.
 */
import { build } from 'esbuild';
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForNode, cleanDist, writeDeclarations } from '../../scripts/build-package.ts';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');

cleanDist(sdk);
// `@easel/sdk` itself is bundled into plugin scripts that run in an isolate: no Node, no chunks.
await build({
  absWorkingDir: sdk,
  entryPoints: { index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2024',
  logLevel: 'warning',
});
await bundleForNode(
  sdk,
  { bundle: 'src/bundle/index.ts', isolate: 'src/isolate/index.ts', testing: 'src/testing/index.ts', cli: 'src/cli/main.ts' },
  ['isolated-vm', 'esbuild', 'esbuild-wasm'],
);
// Editors validate plugin.json against it (the scaffold's `$schema`).
copyFileSync(join(sdk, '..', 'plugin.schema.json'), join(sdk, 'plugin.schema.json'));
writeDeclarations(sdk);
