/**
 * The real npm client (npm 11 on PATH) against the registry on loopback: login, whoami,
 * publish of an `easel pack` tarball, view, dist-tag, deprecate, search, install, owner,
 * unpublish, and the refusals npm prints.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPlugin, verifyNpmVersion, verifyStatement, type TrustedKey } from '../../sdk/src/bundle/index.ts';
import { HELLO_DIR } from '../fixtures/hostile-bundles.ts';
import { bundle, PASSWORD, sri, startRegistry, type RunningRegistry } from './helpers.ts';
import { NpmCli } from './npm-cli.ts';

let r: RunningRegistry;
let npm: NpmCli;
let hello: { file: string; integrity: string };
let trusted: TrustedKey[];

const view = async (spec: string, ...fields: string[]) => {
  const res = await npm.run(['view', spec, ...fields, '--json']);
  expect(res.code, res.stderr).toBe(0);
  // npm view prints nothing for a field that is not set.
  return res.stdout.trim() === '' ? undefined : JSON.parse(res.stdout);
};

beforeAll(async () => {
  r = await startRegistry();
  npm = await NpmCli.create(r.url);
  const packed = await packPlugin(HELLO_DIR);
  hello = { file: join(npm.root, packed.filename), integrity: packed.integrity };
  await writeFile(hello.file, packed.tarball);
  trusted = (await r.call('GET', '/-/npm/v1/keys')).body.keys;
});
afterAll(async () => {
  await npm?.close();
  await r?.close();
});

describe('the real npm client', () => {
  it('npm login creates the user and stores a token; npm whoami knows it', async () => {
    const login = await npm.run(['login'], { answers: [['Username:', 'alice'], ['Password:', PASSWORD]] });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('Logged in on');
    expect(await readFile(npm.userconfig, 'utf8')).toMatch(/:_authToken=ereg_/);
    const whoami = await npm.run(['whoami']);
    expect(whoami.stdout.trim()).toBe('alice');
  });

  it('npm publish of an easel pack tarball; npm view shows what the registry wrote', async () => {
    const res = await npm.run(['publish', hello.file]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('+ hello@1.0.0');

    const doc = await view('hello@1.0.0');
    expect(doc).toMatchObject({ name: 'hello', version: '1.0.0', engines: { easel: '^1.0.0' }, _npmUser: { name: 'alice', email: '' } });
    expect(doc.dist.integrity).toBe(hello.integrity);
    expect(doc.dist.tarball).toBe(`${r.url}/hello/-/hello-1.0.0.tgz`);
    const text = await npm.run(['view', 'hello']);
    expect(text.stdout).toContain('published just now by alice');
    expect(text.stdout).not.toContain('undefined');
    expect(verifyNpmVersion('hello', '1.0.0', doc.dist.integrity, doc.dist.signatures, trusted).ok).toBe(true);
    expect(verifyStatement(doc.dist['easel:statement'], doc.dist['easel:signatures'], trusted).ok).toBe(true);
  });

  it('refuses to publish over an existing version, with the message npm prints', async () => {
    const res = await npm.run(['publish', hello.file, '--force']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('403 Forbidden - PUT');
    expect(res.stderr).toContain('cannot modify pre-existing version: 1.0.0');
  });

  it('npm dist-tag add and ls', async () => {
    const next = join(npm.root, 'hello-1.1.0.tgz');
    await writeFile(next, await bundle({ version: '1.1.0', readme: '# Hello 1.1\n' }));
    expect((await npm.run(['publish', next])).code).toBe(0);
    const add = await npm.run(['dist-tag', 'add', 'hello@1.0.0', 'stable']);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain('+stable: hello@1.0.0');
    const ls = await npm.run(['dist-tag', 'ls', 'hello']);
    expect(ls.stdout.trim().split('\n').sort()).toEqual(['latest: 1.1.0', 'stable: 1.0.0']);
  });

  it('npm deprecate and undeprecate change only the deprecation', async () => {
    const before = await view('hello@1.0.0', 'dist');
    expect((await npm.run(['deprecate', 'hello@<1.1', 'use 1.1'])).code).toBe(0);
    expect(await view('hello@1.0.0', 'deprecated')).toBe('use 1.1');
    expect(await view('hello@1.1.0', 'deprecated')).toBeUndefined();
    expect(await view('hello@1.0.0', 'dist')).toEqual(before);
    expect((await npm.run(['deprecate', 'hello@1.0.0', ''])).code).toBe(0);
    expect((await r.call('GET', '/hello')).body.versions['1.0.0'].deprecated).toBeUndefined();
  });

  it('npm search finds the plugin', async () => {
    const res = await npm.run(['search', 'hello', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).map((p: { name: string }) => p.name)).toContain('hello');
  });

  it('npm install of a bundle into a project: the files, the lockfile integrity, a counted download', async () => {
    // A fresh cache: npm publish put the tarball in the first one, and install would take it from there.
    const res = await npm.run(['install', 'hello@1.0.0'], { cache: join(npm.root, 'install-cache') });
    expect(res.code, res.stderr).toBe(0);
    const installed = join(npm.project, 'node_modules', 'hello');
    expect(JSON.parse(await readFile(join(installed, 'plugin.json'), 'utf8'))).toMatchObject({ name: 'hello', version: '1.0.0' });
    expect(existsSync(join(installed, 'dist', 'plugin.js'))).toBe(true);
    const lock = JSON.parse(await readFile(join(npm.project, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/hello'].integrity).toBe(hello.integrity);
    const downloads = (await r.call('GET', '/api/v1/packages/hello/downloads')).body;
    expect(downloads.versions['1.0.0']).toBeGreaterThanOrEqual(1);
    const tgz = await r.call('GET', '/hello/-/hello-1.0.0.tgz');
    expect(sri(tgz.body)).toBe(hello.integrity);
  });

  it('npm owner add and ls', async () => {
    await r.user('bob');
    const add = await npm.run(['owner', 'add', 'bob', 'hello']);
    expect(add.code, add.stderr).toBe(0);
    expect((await npm.run(['owner', 'ls', 'hello'])).stdout).toMatch(/alice[\s\S]*bob/);
  });

  it('npm unpublish of one version; its number can never be published again', async () => {
    const res = await npm.run(['unpublish', 'hello@1.0.0']);
    expect(res.code, res.stderr).toBe(0);
    expect(await view('hello', 'versions')).toEqual(['1.1.0']);
    expect(await view('hello', 'dist-tags')).toEqual({ latest: '1.1.0' });
    expect((await r.call('GET', '/hello/-/hello-1.0.0.tgz')).status).toBe(404);
    const again = await npm.run(['publish', hello.file, '--force', '--tag', 'old']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('cannot modify pre-existing version: 1.0.0');
  });

  it('npm unpublish --force of the whole package', async () => {
    const res = await npm.run(['unpublish', 'hello', '--force']);
    expect(res.code, res.stderr).toBe(0);
    const gone = await npm.run(['view', 'hello']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('404');
  });

  it('npm whoami with a revoked token fails (npm logout)', async () => {
    expect((await npm.run(['logout'])).code).toBe(0);
    const res = await npm.run(['whoami']);
    expect(res.code).not.toBe(0);
  });
});
