/**
 * What the SDK's and the emulator's builds share: the published form of a workspace package
 * in its dist/, JavaScript for plain Node 24 (Node refuses type stripping under node_modules)
 * with its pure-JS dependencies inlined, and .d.ts types.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** Empties `<pkg>/dist`. */
export function cleanDist(pkg: string): void {
  rmSync(join(pkg, 'dist'), { recursive: true, force: true });
}

/**
 * Bundles `entryPoints` (name -> source, relative to `pkg`) into `<pkg>/dist` as ES modules,
 * shared code in chunks, every dependency inlined but `external`.
 */
export async function bundleForNode(pkg: string, entryPoints: Record<string, string>, external: string[] = []): Promise<void> {
  await build({
    absWorkingDir: pkg,
    entryPoints,
    outdir: 'dist',
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external,
    // Inlined CommonJS dependencies (ajv, fastify) call require for Node built-ins.
    banner: { js: "import { createRequire as __easelCreateRequire } from 'node:module'; const require = __easelCreateRequire(import.meta.url);" },
    legalComments: 'linked',
    logLevel: 'warning',
  });
}

/**
 * Writes `<pkg>/dist/types` with tsc (`<pkg>/tsconfig.build.json`), then marks the build done:
 * `./run start` rebuilds when a source is newer than `dist/.built`.
 */
export function writeDeclarations(pkg: string): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(pkg, 'tsconfig.build.json')], { stdio: 'inherit' });
  // tsc keeps the sources' `.ts` specifiers in declarations; the published files are `.d.ts`
  // beside `.js`, so point relative imports at `.js` as any TypeScript consumer resolves them.
  for (const file of readdirSync(join(pkg, 'dist/types'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.d.ts')) continue;
    const path = join(pkg, 'dist/types', file);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/(['"])(\.{1,2}\/[^'"]+)\.ts\1/g, '$1$2.js$1'));
  }
  writeFileSync(join(pkg, 'dist/.built'), `${new Date().toISOString()}\n`);
}
