/**
 * `easel init <name>`: scaffolds a plugin folder that validates, packs, tests and runs as it
 * is. Refuses to overwrite anything; in a folder that already has a package.json (say, after
 * `npm i -D @easel/sdk` there), it adds the scripts and keeps what is there.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import sdkPackage from '../../package.json' with { type: 'json' };
import { validateManifest } from '../bundle/validate-manifest.ts';
import type { CliIo } from './io.ts';
import type { Command } from './command.ts';
import { parsePermissions, PERMISSION_WORDS } from './init/permissions.ts';
import * as templates from './init/templates.ts';

export const initCommand: Command = {
  usage: 'init <name> [--dir <folder>] [--workflow] [--permissions <list>]',
  summary: `scaffold a plugin (permissions: ${PERMISSION_WORDS.join(', ')})`,
  options: { dir: { type: 'string' }, workflow: { type: 'boolean' }, permissions: { type: 'string' } },
  positionals: [1, 1],
  run: ([name], values, io) => init(name!, values, io),
};

/** Files a fresh `npm init`/`npm install` leaves, which init may sit beside. */
const TOLERATED = new Set(['package.json', 'package-lock.json', 'node_modules', '.npmrc', '.git', '.gitignore']);

async function init(name: string, values: Record<string, string | boolean | undefined>, io: CliIo): Promise<number> {
  let permissions;
  try {
    permissions = parsePermissions(values.permissions as string | undefined);
  } catch (err) {
    io.err(`easel: ${(err as Error).message}`);
    return 2;
  }
  const options: templates.ScaffoldOptions = { name, workflow: values.workflow === true, permissions, sdkVersion: sdkPackage.version };
  const manifest = templates.manifest(options);
  const check = validateManifest(manifest);
  if (!check.ok) {
    // In practice only the name can be wrong: say what a name may be.
    io.err(`easel: "${name}" cannot be a plugin name: ${check.problems.map((p) => p.message).join('; ')} (lowercase kebab-case, 1 to 64 characters, e.g. my-plugin)`);
    return 2;
  }
  const dir = resolve((values.dir as string | undefined) ?? name);
  await mkdir(dir, { recursive: true });
  const present = await readdir(dir);
  const clash = present.filter((f) => !TOLERATED.has(f));
  if (clash.length > 0) {
    io.err(`easel: ${dir} is not empty (${clash.slice(0, 5).join(', ')}${clash.length > 5 ? ', …' : ''}); init writes only into a new or empty folder`);
    return 1;
  }
  const files: Record<string, string> = {
    'plugin.json': json(manifest),
    'src/index.ts': templates.source(options),
    'test/index.test.ts': templates.test(options),
    'tsconfig.json': json(templates.TSCONFIG),
    'README.md': templates.readme(options),
    'package.json': json(await mergedPackageJson(dir, options)),
  };
  if (!present.includes('.gitignore')) files['.gitignore'] = templates.GITIGNORE;
  await mkdir(join(dir, 'src'), { recursive: true });
  await mkdir(join(dir, 'test'), { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text, { flag: file === 'package.json' ? 'w' : 'wx' });
  const shown = relative(process.cwd(), dir) || '.';
  io.out(`created ${name} in ${shown}: ${Object.keys(files).sort().join(', ')}`);
  io.out('next:');
  if (shown !== '.') io.out(`  cd ${shown}`);
  io.out('  npm test            # run its test in a real isolate');
  io.out('  npx easel validate  # check it as a host would');
  io.out('  npx easel dev       # run it on a host, reloading on every save');
  return 0;
}

/** The scaffold's package.json, keeping an existing one's fields and dependencies. */
async function mergedPackageJson(dir: string, options: templates.ScaffoldOptions): Promise<Record<string, unknown>> {
  const fresh = templates.packageJson(options);
  const text = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
  if (text === undefined) return fresh;
  const existing = JSON.parse(text) as Record<string, unknown>;
  const devDependencies = { ...(fresh.devDependencies as object), ...((existing.devDependencies as object | undefined) ?? {}) };
  return { ...fresh, ...existing, private: true, type: 'module', scripts: { ...(existing.scripts as object | undefined), ...(fresh.scripts as object) }, devDependencies };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
