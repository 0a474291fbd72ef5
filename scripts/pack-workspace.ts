/**
 * `npm pack -w <workspace>` (sdk, bedrock-emulator), run in a scratch copy of the workspace:
 * its sources, the root package.json, tsconfig, manifest schema and shared build script, with
 * node_modules linked to this checkout's. Packing rebuilds <workspace>/dist (and, for the SDK, stages the bundled
 * dependencies in sdk/node_modules: see sdk/scripts/stage-bundled.ts); doing that here would
 * pull the built package away from a host, a registry or tests running from this checkout,
 * and could let them load a second copy of the native isolated-vm. The tarball is the same.
 *
 * As a script: `node scripts/pack-workspace.ts <workspace> <destination folder>` prints the
 * tarball's path.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');
/** What is never copied from the workspace: build output and staged copies (made anew by the pack). */
const SKIP = new Set(['node_modules', 'dist', 'plugin.schema.json']);

/** Packs `workspace` into `destination` with the real npm client and answers the tarball's path. */
export function packWorkspace(workspace: 'sdk' | 'bedrock-emulator', destination: string, env: NodeJS.ProcessEnv = process.env): string {
  const scratch = mkdtempSync(join(tmpdir(), `easel-${workspace}-pack-`));
  try {
    const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: root.name, private: true, type: 'module', workspaces: [workspace] }, null, 2));
    // What a workspace's build reads outside its own folder.
    for (const file of ['tsconfig.json', 'plugin.schema.json', 'scripts/build-package.ts']) cpSync(join(REPO, file), join(scratch, file));
    const source = join(REPO, workspace);
    cpSync(source, join(scratch, workspace), { recursive: true, filter: (src) => !SKIP.has(relative(source, src).split(sep)[0]!) });
    symlinkSync(join(REPO, 'node_modules'), join(scratch, 'node_modules'), 'dir');
    mkdirSync(destination, { recursive: true });
    const out = execFileSync('npm', ['pack', '-w', workspace, '--pack-destination', resolve(destination), '--json', '--silent'], {
      cwd: scratch,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return join(resolve(destination), (JSON.parse(out) as { filename: string }[])[0]!.filename);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const [workspace, destination] = process.argv.slice(2);
  if ((workspace !== 'sdk' && workspace !== 'bedrock-emulator') || !destination) {
    process.stderr.write('usage: node scripts/pack-workspace.ts sdk|bedrock-emulator <destination folder>\n');
    process.exit(2);
  }
  process.stdout.write(`${packWorkspace(workspace, destination)}\n`);
}
