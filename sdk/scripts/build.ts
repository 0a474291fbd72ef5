/**
 * Builds the published form of @easel/sdk into dist/: JavaScript for plain Node 24 (no type
 * stripping at run time, which Node refuses under node_modules) and .d.ts types.
 * - esbuild bundles each entry point with the pure-JavaScript dependencies inlined (ajv,
 *   semver, tar, re2js), so the package needs nothing from a registry but itself; shared
 *   code goes into chunks, so `@easel/sdk` itself (what plugin code imports and what ends up
 *   inside an isolate) stays a few lines.
 * - isolated-vm and esbuild-wasm stay external: they ship as bundled dependencies (see
 *   stage-bundled.ts), and native esbuild is used instead when the author has it.
 * - tsc writes the declarations.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

rmSync(join(sdk, 'dist'), { recursive: true, force: true });
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
await build({
  absWorkingDir: sdk,
  entryPoints: {
    bundle: 'src/bundle/index.ts',
    isolate: 'src/isolate/index.ts',
    testing: 'src/testing/index.ts',
    cli: 'src/cli/main.ts',
  },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  external: ['isolated-vm', 'esbuild', 'esbuild-wasm'],
  // Inlined CommonJS dependencies (ajv) call require for Node built-ins.
  banner: { js: "import { createRequire as __easelCreateRequire } from 'node:module'; const require = __easelCreateRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
});
// Editors validate plugin.json against it (the scaffold's `$schema`).
copyFileSync(join(sdk, '..', 'plugin.schema.json'), join(sdk, 'plugin.schema.json'));
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(sdk, 'tsconfig.build.json')], { stdio: 'inherit' });
// tsc keeps the sources' `.ts` specifiers in declarations; the published files are `.d.ts`
// beside `.js`, so point relative imports at `.js` as any TypeScript consumer resolves them.
for (const file of readdirSync(join(sdk, 'dist/types'), { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.d.ts')) continue;
  const path = join(sdk, 'dist/types', file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/(['"])(\.{1,2}\/[^'"]+)\.ts\1/g, '$1$2.js$1'));
}
// `./run start` rebuilds when a source is newer than this mark.
writeFileSync(join(sdk, 'dist/.built'), `${new Date().toISOString()}\n`);
