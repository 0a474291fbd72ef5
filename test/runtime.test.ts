/**
 * Gates on the runtime (sandbox.md §8.1, §8.9): a Node line that still gets V8 fixes, an
 * isolated-vm that copies resized ArrayBuffers safely, and no use of the unsafe snapshot API.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import semver from 'semver';
import { expect, test } from 'vitest';

const require = createRequire(import.meta.url);
const root = new URL('..', import.meta.url).pathname;

test('tests run on Node >= 24 with --no-node-snapshot', () => {
  expect(semver.gte(process.versions.node, '24.0.0')).toBe(true);
  expect(process.execArgv).toContain('--no-node-snapshot');
});

test('isolated-vm is 7.x or newer and pinned exactly', () => {
  const installed = JSON.parse(readFileSync(require.resolve('isolated-vm/package.json'), 'utf8')).version as string;
  expect(semver.gte(installed, '7.0.1')).toBe(true);
  const declared = JSON.parse(readFileSync(join(root, 'host/package.json'), 'utf8')).dependencies as Record<string, string>;
  expect(semver.valid(declared['isolated-vm'])).toBe(installed);
  expect(semver.valid(declared['better-sqlite3'])).not.toBeNull();
});

test('no code calls isolated-vm createSnapshot (machine code from an unstable API)', async () => {
  const files = (await readdir(join(root, 'host/src'), { recursive: true })).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  expect(files.length).toBeGreaterThan(10);
  for (const file of files) expect(await readFile(join(root, 'host/src', file), 'utf8'), file).not.toMatch(/createSnapshot/);
});
