/**
 * Bundles a plugin's entry file and its npm dependencies into one self-contained script
 * (`dist/plugin.js`) that the host evaluates inside an isolate: no require, no import, no
 * Node built-ins at run time. Output is deterministic for the same inputs.
 */
import type * as Esbuild from 'esbuild';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PLUGIN_GLOBAL } from '../index.ts';

let esbuildLoaded: Promise<typeof Esbuild> | undefined;

/**
 * The bundler: native esbuild when the author's project has it (fast), else esbuild-wasm,
 * which ships inside this package and runs on any platform. The same version of either
 * writes the same bytes, so packing stays reproducible.
 */
function loadEsbuild(): Promise<typeof Esbuild> {
  esbuildLoaded ??= import('esbuild').catch(() => import('esbuild-wasm') as Promise<typeof Esbuild>);
  return esbuildLoaded;
}

const ENTRY_CANDIDATES = ['src/index.ts', 'src/index.js', 'index.ts', 'index.js'];

/** Finds the entry file of a plugin folder, or undefined. */
export function findEntry(dir: string): string | undefined {
  return ENTRY_CANDIDATES.map((p) => join(dir, p)).find((p) => existsSync(p));
}

export interface BuiltScript {
  code: string;
  /** Warnings from esbuild, as text. */
  warnings: string[];
}

/**
 * Bundles the plugin in `dir` (its entry: src/index.ts, src/index.js, index.ts or index.js)
 * into an IIFE script that assigns the module namespace to `globalThis.__easelPlugin`.
 */
export async function buildPluginScript(pluginDir: string): Promise<BuiltScript> {
  const dir = resolve(pluginDir);
  const entry = findEntry(dir);
  if (!entry) throw new Error(`no entry file in ${dir} (looked for ${ENTRY_CANDIDATES.join(', ')})`);
  const { build } = await loadEsbuild();
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: PLUGIN_GLOBAL,
    platform: 'neutral',
    target: 'es2024',
    mainFields: ['module', 'main'],
    conditions: ['import', 'default'],
    // Paths and timestamps must not leak into the output, so packing is reproducible.
    sourcemap: false,
    legalComments: 'none',
    charset: 'utf8',
    logLevel: 'silent',
    // Comments name files relative to the plugin folder, never the author's machine.
    absWorkingDir: dir,
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return {
    code: file.text,
    warnings: result.warnings.map((w) => w.text),
  };
}
