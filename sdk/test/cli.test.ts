import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
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
function easel(args: string[], cwd = process.cwd()): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' }, (err, stdout, stderr) => {
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
    expect(run.stdout).toContain('easel validate <dir>');
    expect(run.stdout).toContain('easel pack <dir>');
  });

  it('exits 2 on bad usage', async () => {
    expect((await easel([])).code).toBe(2);
    expect((await easel(['publish', '.'])).code).toBe(2);
    expect((await easel(['validate'])).code).toBe(2);
    expect((await easel(['pack', '.', '--frobnicate'])).code).toBe(2);
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
