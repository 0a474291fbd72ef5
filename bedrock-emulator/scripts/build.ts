/**
 * Builds the published form of @easel/bedrock-emulator into dist/: JavaScript for plain
 * Node 24 (Node refuses type stripping under node_modules) with every dependency inlined by
 * esbuild (fastify, ajv, pngjs, the event-stream codec), so installing it needs nothing from a
 * registry but the package itself; tsc writes the .d.ts.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

rmSync(join(pkg, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: pkg,
  entryPoints: { index: 'src/index.ts', seeded: 'src/seeded.ts', cli: 'src/cli.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  // Inlined CommonJS dependencies call require for Node built-ins.
  banner: { js: "import { createRequire as __easelCreateRequire } from 'node:module'; const require = __easelCreateRequire(import.meta.url);" },
  legalComments: 'linked',
  logLevel: 'warning',
});
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(pkg, 'tsconfig.build.json')], { stdio: 'inherit' });
// Declarations keep the sources' `.ts` specifiers; the published files are `.d.ts` beside `.js`.
for (const file of readdirSync(join(pkg, 'dist/types'), { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.d.ts')) continue;
  const path = join(pkg, 'dist/types', file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/(['"])(\.{1,2}\/[^'"]+)\.ts\1/g, '$1$2.js$1'));
}
writeFileSync(join(pkg, 'dist/.built'), `${new Date().toISOString()}\n`);
