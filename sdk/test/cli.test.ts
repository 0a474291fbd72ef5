import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, symlink } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { helloManifest, tempDir, tempPlugin } from './helpers.ts';

const BIN = fileURLToPath(new URL('../bin/easel.js', import.meta.url));
const HELLO = fileURLToPath(new URL('../../plugins-external/hello', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `easel` executable in a child Node process. */
function easel(args: string[], cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

describe('easel CLI', () => {
  it('starts with a node shebang', async () => {
    expect((await readFile(BIN, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('--help prints the commands', async () => {
    const run = await easel(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['init <name>', 'validate [dir]', 'pack [dir]', 'publish [dir]', 'login']) expect(run.stdout).toContain(`easel ${command}`);
  });

  it('exits 2 on bad usage', async () => {
    expect((await easel([])).code).toBe(2);
    expect((await easel(['frobnicate', '.'])).code).toBe(2);
    expect((await easel(['validate', 'a', 'b'])).code).toBe(2);
    expect((await easel(['pack', '.', '--frobnicate'])).code).toBe(2);
    expect((await easel(['init'])).code).toBe(2);
    expect((await easel(['init', 'Not A Name'], await tempDir())).code).toBe(2);
    expect((await easel(['init', 'x', '--permissions', 'kv,root'], await tempDir())).code).toBe(2);
  });

  it('validate: ok for hello', async () => {
    const run = await easel(['validate', HELLO]);
    expect(run).toMatchObject({ code: 0, stdout: 'ok: hello@1.0.0\n' });
  });

  it('validate: every problem as path: message, exit 1', async () => {
    const manifest = await helloManifest();
    manifest.name = 'Hello';
    manifest.limits.memoryMb = 1;
    manifest.agents[0].capabilities[0].input = { type: 'strnig' };
    const run = await easel(['validate', await tempPlugin({ manifest })]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines.filter((l) => /^\/\S*: /.test(l)).map((l) => l.split(': ')[0]).sort()).toEqual([
      '/agents/0/capabilities/0/input/type',
      '/limits/memoryMb',
      '/name',
    ]);
  });

  it('validate: loads the script in an isolate and refuses a manifest/code mismatch with the host\'s code and message', async () => {
    const manifest = await helloManifest();
    manifest.workflows = [{ type: 'greet-all', description: 'Greets everyone', input: { type: 'object' } }];
    const dir = await tempPlugin({ manifest });
    const run = await easel(['validate', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('PLUGIN_LOAD_FAILED: the script does not define workflows.greet-all');
    // The manifest alone is fine, and pack refuses the same way (no file written).
    expect((await easel(['validate', dir, '--manifest-only'])).code).toBe(0);
    const packed = await easel(['pack', dir]);
    expect(packed.code).toBe(1);
    expect(packed.stderr).toContain('PLUGIN_LOAD_FAILED');
    await expect(stat(join(dir, 'hello-1.0.0.tgz'))).rejects.toThrow();
  });

  it('validate: a script that throws at load is refused; a syntax error names its place', async () => {
    const throws = await tempPlugin({ source: "throw new Error('boom at load');\nexport default {};\n" });
    const run = await easel(['validate', throws]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^PLUGIN_LOAD_FAILED: .*boom at load/);
    const broken = await tempPlugin({ source: 'export default {\n  agents: (\n};\n' });
    const syntax = await easel(['validate', broken]);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/^BUNDLE_INVALID: src\/index\.js:3:\d+: /);
  });

  it('init: scaffolds a plugin that validates and packs as it is, with the workflow and permissions asked for', async () => {
    const root = await tempDir();
    // The scaffold imports @easel/sdk: make this package resolvable from the temp folder.
    await mkdir(join(root, 'node_modules/@easel'), { recursive: true });
    await symlink(fileURLToPath(new URL('..', import.meta.url)), join(root, 'node_modules/@easel/sdk'));
    const run = await easel(['init', 'my-plugin', '--workflow', '--permissions', 'kv,models:text'], root);
    expect(run.code).toBe(0);
    const dir = join(root, 'my-plugin');
    const manifest = JSON.parse(await readFile(join(dir, 'plugin.json'), 'utf8'));
    expect(manifest.permissions).toEqual({ kv: true, models: { tasks: ['text'], maxTier: 'basic' } });
    expect(manifest.workflows.map((w: { type: string }) => w.type)).toEqual(['my-plugin']);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.scripts)).toEqual(expect.arrayContaining(['dev', 'test', 'pack', 'publish']));
    expect(pkg.private).toBe(true);
    expect((await easel(['validate'], dir)).code).toBe(0);
    expect((await easel(['pack'], dir)).code).toBe(0);
    // Never over an existing plugin.
    const again = await easel(['init', 'my-plugin'], root);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not empty');
  });

  it('publish: needs a registry, and a token for it, before it sends anything', async () => {
    const dir = await tempPlugin();
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: await tempDir(), EASEL_REGISTRY: '', EASEL_REGISTRY_TOKEN: '' };
    delete env.npm_config_userconfig;
    delete env.NPM_CONFIG_USERCONFIG;
    const none = await easel(['publish', dir], process.cwd(), env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no registry');
    const noToken = await easel(['publish', dir, '--registry', 'http://127.0.0.1:9'], process.cwd(), env);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('easel login');
    const dry = await easel(['publish', dir, '--registry', 'http://127.0.0.1:9', '--dry-run'], process.cwd(), env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^hello@1\.0\.0 sha512-\S+ .* http:\/\/127\.0\.0\.1:9\/hello \(dry run/);
  });

  it('validate: exit 1 when there is no plugin.json', async () => {
    const run = await easel(['validate', await tempDir()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not found');
  });

  it('pack --out: writes the tgz and prints its path, size and integrity', async () => {
    const out = await tempDir();
    const run = await easel(['pack', HELLO, '--out', out]);
    expect(run.code).toBe(0);
    const [path, size, integrity] = run.stdout.trim().split('\n');
    const file = join(out, 'hello-1.0.0.tgz');
    expect(isAbsolute(path!) ? path : resolve(path!)).toBe(file);
    const bytes = await readFile(file);
    expect(size).toBe(`size: ${bytes.length} bytes`);
    expect(integrity).toBe(`integrity: sha512-${createHash('sha512').update(bytes).digest('base64')}`);
  });

  it('pack: writes into the plugin folder by default, like npm pack', async () => {
    const dir = await tempPlugin();
    const run = await easel(['pack', '.'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('hello-1.0.0.tgz');
    expect((await stat(join(dir, 'hello-1.0.0.tgz'))).isFile()).toBe(true);
  });

  it('pack: exit 1 with the problems, and no file, when the manifest is invalid', async () => {
    const manifest = await helloManifest();
    manifest.version = 'one';
    const dir = await tempPlugin({ manifest });
    const run = await easel(['pack', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('MANIFEST_INVALID');
    expect(run.stderr).toMatch(/^\/version: /m);
    await expect(stat(join(dir, 'hello-one.tgz'))).rejects.toThrow();
  });
});
