/** Test fixtures: a real SQLite file in a fresh temp folder, closed and removed afterwards. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base } from 'vitest';
import type { NewPlugin, Store } from './index.ts';
import { openStore } from './index.ts';

export const test = base.extend<{ dir: string; file: string; store: Store }>({
  dir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'easel-store-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  file: async ({ dir }, use) => {
    await use(join(dir, 'nested', 'easel.db'));
  },
  store: async ({ file }, use) => {
    const store = await openStore(file);
    await use(store);
    await store.close();
  },
});

export function pluginRecord(name: string, version = '1.0.0'): NewPlugin {
  return {
    name,
    version,
    manifest: {
      name,
      version,
      description: `${name} for tests`,
      author: 'tests',
      license: 'MIT',
      engines: { easel: '^1.0.0' },
      permissions: { kv: true },
      agents: [{ type: 'echo', description: 'echoes', capabilities: [{ name: 'say', description: 'says', input: {}, output: {} }] }],
    },
    integrity: `sha512-${version}`,
    scriptSha256: 'ab'.repeat(32),
    path: `/var/easel/plugins/${name}/${version}`,
    files: [{ path: 'dist/plugin.js', size: 10, sha256: 'ab'.repeat(32) }],
  };
}
