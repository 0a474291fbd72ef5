/**
 * `npm pack -w sdk`, run in a scratch copy of the workspace: the SDK's sources, the root
 * package.json, tsconfig and manifest schema, with node_modules linked to this checkout's.
 * Packing rebuilds sdk/dist and stages the bundled dependencies in sdk/node_modules (see
 * sdk/scripts/stage-bundled.ts); doing that here would pull the built SDK away from a host,
 * a registry or tests running from this checkout, and could let them load a second copy of
 * the native isolated-vm. The tarball is the same.
 *
 * As a script: `node scripts/pack-sdk.ts <destination folder>` prints the tarball's path.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');
/** What is never copied from sdk/: build output and staged copies (made anew by the pack). */
const SKIP = new Set(['node_modules', 'dist', 'plugin.schema.json']);

/** Packs the SDK into `destination` with the real npm client and answers the tarball's path. */
export function packSdk(destination: string, env: NodeJS.ProcessEnv = process.env): string {
  const scratch = mkdtempSync(join(tmpdir(), 'easel-sdk-pack-'));
  try {
    const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: root.name, private: true, type: 'module', workspaces: ['sdk'] }, null, 2));
    for (const file of ['tsconfig.json', 'plugin.schema.json']) cpSync(join(REPO, file), join(scratch, file));
    const sdk = join(REPO, 'sdk');
    cpSync(sdk, join(scratch, 'sdk'), { recursive: true, filter: (src) => !SKIP.has(relative(sdk, src).split(sep)[0]!) });
    symlinkSync(join(REPO, 'node_modules'), join(scratch, 'node_modules'), 'dir');
    mkdirSync(destination, { recursive: true });
    const out = execFileSync('npm', ['pack', '-w', 'sdk', '--pack-destination', resolve(destination), '--json', '--silent'], {
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
  const destination = process.argv[2];
  if (!destination) {
    process.stderr.write('usage: node scripts/pack-sdk.ts <destination folder>\n');
    process.exit(2);
  }
  process.stdout.write(`${packSdk(destination)}\n`);
}
