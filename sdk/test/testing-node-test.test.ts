/**
 * The kit as an author meets it: a plugin folder outside this repository whose test file
 * imports `@easel/sdk/testing` from the built package and runs under Node's own test runner
 * (`node --no-node-snapshot --test`, .ts through Node's type stripping), with nothing else
 * installed. Without the flag, runPacked refuses with an error that names it.
 */
import { spawn } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { tempDir } from './helpers.ts';

const SDK_DIR = fileURLToPath(new URL('..', import.meta.url));

const MANIFEST = {
  name: 'tally',
  version: '0.1.0',
  description: 'Counts things (a plugin outside the repository)',
  author: 'An author',
  license: 'MIT',
  engines: { easel: '^1.0.0' },
  permissions: { kv: true },
  agents: [
    {
      type: 'counter',
      description: 'Counts',
      capabilities: [
        {
          name: 'add',
          description: 'Adds to a tally',
          input: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
          output: { type: 'object', required: ['total'], properties: { total: { type: 'integer' } } },
        },
      ],
    },
  ],
};

const SOURCE = `import { definePlugin } from '@easel/sdk';

export default definePlugin({
  agents: {
    counter: {
      capabilities: {
        add: async (input: { name: string }, ctx) => {
          const total = ((await ctx.kv.get<number>(input.name)) ?? 0) + 1;
          await ctx.kv.set(input.name, total);
          return { total };
        },
      },
    },
  },
});
`;

const TEST = `import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestContext, loadManifest, runPacked, testPlugin } from '@easel/sdk/testing';
import definition from '../src/index.ts';

const dir = fileURLToPath(new URL('..', import.meta.url));

test('a ctx denies what the manifest does not ask for', async () => {
  const { ctx } = createTestContext({ manifest: await loadManifest(dir) });
  await assert.rejects(ctx.storage.get('x'), { code: 'PERMISSION_DENIED' });
});

test('testPlugin runs the handlers with the schemas checked', async () => {
  const plugin = testPlugin(definition, await loadManifest(dir));
  assert.deepEqual(await plugin.invoke('counter', 'add', { name: 'a' }), { total: 1 });
  await assert.rejects(plugin.invoke('counter', 'add', {}), { code: 'INPUT_INVALID' });
});

test('runPacked runs the packed script in an isolate', async () => {
  if (!process.execArgv.includes('--no-node-snapshot')) {
    await assert.rejects(runPacked(dir), { code: 'NODE_SNAPSHOT_ENABLED', message: /--no-node-snapshot/ });
    return;
  }
  const plugin = await runPacked(dir, { kv: { a: 41 } });
  try {
    assert.deepEqual(await plugin.invoke('counter', 'add', { name: 'a' }), { total: 42 });
  } finally {
    await plugin.close();
  }
});
`;

async function authorFolder(): Promise<string> {
  const dir = await tempDir('easel-kit-author-');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'tally', private: true, type: 'module', scripts: { test: 'node --no-node-snapshot --test' } }));
  await writeFile(join(dir, 'plugin.json'), JSON.stringify(MANIFEST, null, 2));
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'src/index.ts'), SOURCE);
  await mkdir(join(dir, 'test'));
  await writeFile(join(dir, 'test/tally.test.ts'), TEST);
  // What installing the SDK gives: node_modules/@easel/sdk, the built package.
  await mkdir(join(dir, 'node_modules/@easel'), { recursive: true });
  await symlink(SDK_DIR, join(dir, 'node_modules/@easel/sdk'), 'dir');
  return dir;
}

function nodeTest(cwd: string, flags: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '--test'], { cwd, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

test('node --no-node-snapshot --test runs the kit from the built package', async () => {
  const dir = await authorFolder();
  const run = await nodeTest(dir, ['--no-node-snapshot']);
  expect(run.output).toMatch(/ℹ pass 3/);
  expect(run.code, run.output).toBe(0);
}, 60_000);

test('without --no-node-snapshot, runPacked refuses and names the flag', async () => {
  const dir = await authorFolder();
  const run = await nodeTest(dir, []);
  expect(run.code, run.output).toBe(0);
  expect(run.output).toMatch(/ℹ pass 3/);
}, 60_000);
