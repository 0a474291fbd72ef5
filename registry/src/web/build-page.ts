/**
 * Builds the marketplace page (registry/web: an HTML file, TypeScript and CSS) into the three
 * files the registry serves, once per process, in memory, with esbuild: the native one when
 * it is installed (fast; the workspace has it), else esbuild-wasm, the same bundler the SDK
 * ships, which runs on any platform. The registry runs from its TypeScript sources, and so
 * does its page: there is no build step to forget and no built file to go stale. Nothing is
 * fetched: the page's libraries (semver, markdown-it) are bundled from node_modules.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
// esbuild-wasm has the native package's API and types, version for version.
import type * as Esbuild from 'esbuild-wasm';

const WEB = fileURLToPath(new URL('../../web/', import.meta.url));

export interface PageFile {
  type: string;
  body: Buffer;
}

/** `index.html`, `app.js` and `app.css`. */
export type PageFiles = ReadonlyMap<string, PageFile>;

let built: Promise<PageFiles> | undefined;

function loadEsbuild(): Promise<typeof Esbuild> {
  return (import('esbuild') as Promise<typeof Esbuild>).catch(() => import('esbuild-wasm'));
}

/** The page's files; the first call builds them (a failed build is tried again next time). */
export function marketplaceFiles(): Promise<PageFiles> {
  built ??= loadEsbuild()
    .then(buildPage)
    .catch((error: unknown) => {
      built = undefined;
      throw error;
    });
  return built;
}

/** Builds the page with `esbuild` (the native package or esbuild-wasm: the same version writes the same bytes). */
export async function buildPage(esbuild: typeof Esbuild): Promise<PageFiles> {
  const result = await esbuild.build({
    absWorkingDir: WEB,
    entryPoints: { app: 'app.ts' },
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    outdir: 'out',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const files = new Map<string, PageFile>([['index.html', { type: 'text/html; charset=utf-8', body: await readFile(`${WEB}index.html`) }]]);
  for (const out of result.outputFiles) {
    const name = out.path.slice(out.path.lastIndexOf('/') + 1);
    files.set(name, { type: name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8', body: Buffer.from(out.contents) });
  }
  for (const name of ['app.js', 'app.css']) if (!files.has(name)) throw new Error(`the marketplace page build made no ${name}`);
  return files;
}
