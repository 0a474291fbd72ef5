/**
 * `easel validate [dir]`: checks plugin.json against the manifest rules, then builds the
 * plugin and loads the script in a real isolate, as the host does at install, so a
 * manifest/code mismatch is refused here with the host's code and message.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { findEntry } from '../bundle/build-script.ts';
import { BundleError } from '../bundle/errors.ts';
import { bundleScript } from '../bundle/pack.ts';
import { validateManifest } from '../bundle/validate-manifest.ts';
import { checkScriptLoads } from '../isolate/load-check.ts';
import type { PluginManifest } from '../manifest.ts';
import { printProblems, type CliIo } from './io.ts';
import type { Command } from './command.ts';

export const validateCommand: Command = {
  usage: 'validate [dir] [--manifest-only]',
  summary: 'check plugin.json, then load the built script in an isolate as the host does',
  options: { 'manifest-only': { type: 'boolean' } },
  positionals: [0, 1],
  run: ([target = '.'], values, io) => validate(target, values['manifest-only'] === true, io),
};

async function validate(target: string, manifestOnly: boolean, io: CliIo): Promise<number> {
  // Accept the plugin folder or the plugin.json file itself.
  const isDir = (await stat(target).catch(() => undefined))?.isDirectory() === true;
  const file = isDir ? join(target, 'plugin.json') : target;
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    io.err(code === 'ENOENT' ? `${file}: not found` : `${file}: not valid JSON: ${(err as Error).message}`);
    return 1;
  }
  const result = validateManifest(value);
  if (!result.ok) {
    printProblems(io, result.problems);
    io.err(`${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} in ${file}`);
    return 1;
  }
  const { manifest } = result;
  if (!manifestOnly) {
    const dir = isDir ? target : dirname(file);
    if (!findEntry(dir)) {
      io.err(`${dir}: no entry file (src/index.ts, src/index.js, index.ts or index.js); use --manifest-only to check plugin.json alone`);
      return 1;
    }
    const failed = await loadProblem(dir, manifest);
    if (failed) {
      io.err(failed);
      return 1;
    }
  }
  io.out(`ok: ${manifest.name}@${manifest.version}`);
  return 0;
}

/** Builds and loads the plugin; a line for the author when it fails, undefined when it loads. */
async function loadProblem(dir: string, manifest: PluginManifest): Promise<string | undefined> {
  let script: string;
  try {
    script = await bundleScript(dir);
  } catch (err) {
    if (!(err instanceof BundleError)) throw err;
    return `${err.code}: ${err.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('\n')}`;
  }
  const check = await checkScriptLoads(script, manifest);
  return check.ok ? undefined : `${check.code}: ${check.message}`;
}
