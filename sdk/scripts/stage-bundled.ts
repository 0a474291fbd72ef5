/**
 * `npm pack` of a workspace packs bundled dependencies only from the workspace's own
 * node_modules, and npm hoists them to the root. Before packing, this copies the bundled
 * dependencies (and what they need at run time) from the root into sdk/node_modules;
 * `--clean` removes the copies afterwards, so no second copy of the native isolated-vm is
 * ever loaded from the workspace.
 */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const sdk = join(dirname(fileURLToPath(import.meta.url)), '..');
const staged = join(sdk, 'node_modules');
const rootModules = join(sdk, '..', 'node_modules');
/** Never shipped: an archive isolated-vm's own package carries, and its embedding example. */
const SKIP = new Set(['isolated-vm-7.0.1.tgz', 'native-example']);

function closure(name: string, seen = new Set<string>()): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  const pkg = JSON.parse(readFileSync(join(rootModules, name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {})) closure(dep, seen);
  return seen;
}

rmSync(staged, { recursive: true, force: true });
if (!process.argv.includes('--clean')) {
  const own = JSON.parse(readFileSync(join(sdk, 'package.json'), 'utf8')) as { bundleDependencies: string[] };
  const names = new Set(own.bundleDependencies.flatMap((n) => [...closure(n)]));
  for (const name of names) {
    cpSync(join(rootModules, name), join(staged, name), { recursive: true, dereference: true, filter: (src) => !SKIP.has(basename(src)) });
  }
}
