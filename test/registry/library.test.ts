/**
 * Library packages: npm packages of a library scope (EASEL_REGISTRY_LIBRARY_SCOPES, default
 * `@easel`) that are not plugins. The real npm client packs one with a bundled dependency,
 * publishes it and installs it from this registry alone; the archive rules still hold.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyNpmVersion, verifyStatement, type TrustedKey } from '../../sdk/src/bundle/index.ts';
import { TAR_END, tarHeader, tarPadding, writeTar } from '../../sdk/src/bundle/tar-writer.ts';
import { ADMIN_TOKEN, bundle, expectNothingStored, libraryEntries, libraryTarball, publishBody, publishTarball, sri, startRegistry, type RunningRegistry } from './helpers.ts';
import { NpmCli } from './npm-cli.ts';

const MiB = 1024 * 1024;

describe('a library with a bundled dependency, with the real npm client', () => {
  let r: RunningRegistry;
  let npm: NpmCli;
  let trusted: TrustedKey[];
  let tgzFile: string;

  beforeAll(async () => {
    r = await startRegistry();
    npm = await NpmCli.create(r.url);
    await npm.setToken(await r.user('alice'));
    trusted = (await r.call('GET', '/-/npm/v1/keys')).body.keys;
    // A package folder with its dependency inside node_modules, packed by npm itself.
    const dir = join(npm.root, 'demo-lib');
    await mkdir(join(dir, 'node_modules', 'tiny-dep'), { recursive: true });
    for (const entry of libraryEntries('@easel/demo-lib', '1.0.0', { description: 'a demo library', keywords: ['demo'] })) {
      await writeFile(join(dir, entry.path.slice('package/'.length)), entry.data!);
    }
    await writeFile(join(dir, 'README.md'), '# demo-lib\n');
    const packed = await npm.run(['pack', '--pack-destination', npm.root, '--json'], { cwd: dir });
    expect(packed.code, packed.stderr).toBe(0);
    const [info] = JSON.parse(packed.stdout);
    expect(info.bundled).toEqual(['tiny-dep']);
    tgzFile = join(npm.root, info.filename);
  });
  afterAll(async () => {
    await npm?.close();
    await r?.close();
  });

  it('npm publish stores it; npm view shows its package.json, bundleDependencies and signatures', async () => {
    const res = await npm.run(['publish', tgzFile]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('+ @easel/demo-lib@1.0.0');

    const view = await npm.run(['view', '@easel/demo-lib@1.0.0', '--json']);
    expect(view.code, view.stderr).toBe(0);
    const doc = JSON.parse(view.stdout);
    expect(doc).toMatchObject({
      name: '@easel/demo-lib',
      version: '1.0.0',
      description: 'a demo library',
      main: 'index.js',
      dependencies: { 'tiny-dep': '1.0.0' },
      bundleDependencies: ['tiny-dep'],
      _npmUser: { name: 'alice' },
    });
    expect(doc.easel).toBeUndefined();
    expect(doc.dist.integrity).toBe(sri(await readFile(tgzFile)));
    expect(doc.dist.tarball).toBe(`${r.url}/@easel/demo-lib/-/demo-lib-1.0.0.tgz`);
    expect(verifyNpmVersion('@easel/demo-lib', '1.0.0', doc.dist.integrity, doc.dist.signatures, trusted).ok).toBe(true);
    const statement = verifyStatement(doc.dist['easel:statement'], doc.dist['easel:signatures'], trusted);
    expect(statement.ok && Object.keys(statement.statement.files).sort()).toEqual(['README.md', 'index.js', 'node_modules/tiny-dep/index.js', 'node_modules/tiny-dep/package.json', 'package.json']);
    expect((await r.call('GET', '/@easel/demo-lib')).body.readme).toBe('# demo-lib\n');
  });

  it('npm install from this registry alone into an empty project: the bundled dependency comes inside', async () => {
    const consumer = await NpmCli.create(r.url);
    try {
      const res = await consumer.run(['install', '@easel/demo-lib']);
      expect(res.code, res.stderr).toBe(0);
      const installed = join(consumer.project, 'node_modules', '@easel', 'demo-lib');
      expect(existsSync(join(installed, 'node_modules', 'tiny-dep', 'index.js'))).toBe(true);
      // Not fetched: the registry has no tiny-dep, and npm did not hoist one.
      expect(existsSync(join(consumer.project, 'node_modules', 'tiny-dep'))).toBe(false);
      expect((await r.call('GET', '/tiny-dep')).status).toBe(404);
      const out = execFileSync(process.execPath, ['-e', "process.stdout.write(require('@easel/demo-lib'))"], { cwd: consumer.project, encoding: 'utf8' });
      expect(out).toBe('bundled');
      const lock = JSON.parse(await readFile(join(consumer.project, 'package-lock.json'), 'utf8'));
      expect(lock.packages['node_modules/@easel/demo-lib/node_modules/tiny-dep']).toMatchObject({ inBundle: true });
    } finally {
      await consumer.close();
    }
  });

  it('dist-tags, deprecate and owners work as for plugins; npm search finds it', async () => {
    const tgz = libraryTarball('@easel/demo-lib', '1.1.0-beta.1');
    expect((await publishTarball(r, await r.user('alice'), '@easel/demo-lib', '1.1.0-beta.1', tgz, { tag: 'next' })).status).toBe(201);
    expect((await npm.run(['dist-tag', 'add', '@easel/demo-lib@1.1.0-beta.1', 'beta'])).code).toBe(0);
    expect((await npm.run(['deprecate', '@easel/demo-lib@1.0.0', 'use 1.1'])).code).toBe(0);
    const doc = (await r.call('GET', '/@easel%2fdemo-lib')).body;
    expect(doc['dist-tags']).toEqual({ latest: '1.0.0', next: '1.1.0-beta.1', beta: '1.1.0-beta.1' });
    expect(doc.versions['1.0.0'].deprecated).toBe('use 1.1');
    await r.user('bob');
    expect((await npm.run(['owner', 'add', 'bob', '@easel/demo-lib'])).code).toBe(0);
    expect(doc.maintainers.map((m: { name: string }) => m.name)).toEqual(['alice']);
    expect((await r.call('GET', '/@easel/demo-lib')).body.maintainers.map((m: { name: string }) => m.name)).toEqual(['alice', 'bob']);

    const search = await npm.run(['search', 'demo-lib', '--json']);
    expect(search.code, search.stderr).toBe(0);
    expect(JSON.parse(search.stdout)).toEqual([expect.objectContaining({ name: '@easel/demo-lib', description: 'a demo library', keywords: ['demo'] })]);
  });

  it('is not in the marketplace API (plugins only)', async () => {
    const alice = await r.user('alice');
    expect((await r.call('PUT', '/hello', { token: alice, body: publishBody('hello', '1.0.0', await bundle()) })).status).toBe(201);
    const list = (await r.call('GET', '/api/v1/packages')).body;
    expect(list.packages.map((p: { name: string }) => p.name)).toEqual(['hello']);
    expect(list.total).toBe(1);
    expect((await r.call('GET', '/api/v1/packages?q=demo')).body.total).toBe(0);
    for (const path of ['', '/versions/1.0.0', '/downloads']) {
      const res = await r.call('GET', `/api/v1/packages/@easel%2fdemo-lib${path}`);
      expect([res.status, res.body.code]).toEqual([404, 'PACKAGE_NOT_FOUND']);
    }
    const yank = await r.call('POST', '/api/v1/packages/@easel%2fdemo-lib/versions/1.0.0/yank', { token: ADMIN_TOKEN, body: {} });
    expect([yank.status, yank.body.code]).toEqual([404, 'PACKAGE_NOT_FOUND']);
    // Ownership is not a marketplace view: it answers for libraries too.
    expect((await r.call('GET', '/api/v1/packages/@easel%2fdemo-lib/owners')).body.owners).toEqual(['alice', 'bob']);
  });

  it('unpublish leaves a tombstone: the number is never reused', async () => {
    expect((await npm.run(['unpublish', '@easel/demo-lib@1.1.0-beta.1'])).code).toBe(0);
    const again = await publishTarball(r, await r.user('alice'), '@easel/demo-lib', '1.1.0-beta.1', libraryTarball('@easel/demo-lib', '1.1.0-beta.1'));
    expect([again.status, again.body.code]).toEqual([403, 'VERSION_EXISTS']);
  });

  it('a library scope belongs to its first publisher: new names only from owners of a package in it', async () => {
    const carol = await r.user('carol');
    const refused = await publishTarball(r, carol, '@easel/squat', '1.0.0', libraryTarball('@easel/squat', '1.0.0'));
    expect([refused.status, refused.body.code]).toEqual([403, 'NOT_OWNER']);
    expect(await r.registry.store.packages.get('@easel/squat')).toBeUndefined();
    // bob owns @easel/demo-lib since the test above, so the scope is his too.
    const bob = await r.user('bob');
    expect((await publishTarball(r, bob, '@easel/bobs', '1.0.0', libraryTarball('@easel/bobs', '1.0.0'))).status).toBe(201);
  });
});

describe('what a library publish checks', () => {
  let r: RunningRegistry;
  let token: string;

  beforeAll(async () => {
    // Small caps so the limits can be crossed cheaply.
    r = await startRegistry({ libraryScopes: '@easel,@tools', libraryMaxBytes: 256 * 1024, libraryMaxEntries: 50, libraryMaxUnpackedBytes: 1 * MiB, libraryMaxFileBytes: 512 * 1024 });
    token = await r.user('mallory');
  });
  afterAll(() => r.close());

  const entries = () => libraryEntries('@easel/lib', '1.0.0');
  const text = (s: string) => Buffer.from(s);
  const hostile: { name: string; tgz: () => Buffer | Promise<Buffer>; code: string; status: number; path?: string }[] = [
    { name: 'dot-dot path', code: 'BUNDLE_INVALID', status: 400, path: 'package/../../escape.txt', tgz: () => gzipSync(writeTar([...entries(), { path: 'package/../../escape.txt', data: text('x') }])) },
    { name: 'absolute path', code: 'BUNDLE_INVALID', status: 400, path: join(tmpdir(), 'easel-lib-escape.txt'), tgz: () => gzipSync(writeTar([...entries(), { path: join(tmpdir(), 'easel-lib-escape.txt'), data: text('x') }])) },
    {
      name: 'symlink out, then a file through it',
      code: 'BUNDLE_INVALID',
      status: 400,
      path: 'package/node_modules/link',
      tgz: () =>
        gzipSync(
          writeTar([...entries(), { path: 'package/node_modules/link', type: 'SymbolicLink', linkpath: '../../..' }, { path: 'package/node_modules/link/escape.txt', data: text('x') }]),
        ),
    },
    { name: 'hard link out', code: 'BUNDLE_INVALID', status: 400, path: 'package/hard', tgz: () => gzipSync(writeTar([...entries(), { path: 'package/hard', type: 'Link', linkpath: '../../victim.txt' }])) },
    { name: 'over EASEL_REGISTRY_LIBRARY_MAX_BYTES', code: 'BUNDLE_TOO_LARGE', status: 413, path: '', tgz: () => gzipSync(writeTar([...entries(), { path: 'package/noise.bin', data: randomBytes(300 * 1024) }])) },
    {
      name: 'more entries than EASEL_REGISTRY_LIBRARY_MAX_ENTRIES',
      code: 'BUNDLE_INVALID',
      status: 400,
      path: '',
      tgz: () => gzipSync(writeTar([...entries(), ...Array.from({ length: 50 }, (_, i) => ({ path: `package/node_modules/many/${i}.js`, data: text(String(i)) }))])),
    },
    { name: 'a file over EASEL_REGISTRY_LIBRARY_MAX_FILE_BYTES', code: 'BUNDLE_INVALID', status: 400, path: 'package/big.bin', tgz: () => gzipSync(writeTar([...entries(), { path: 'package/big.bin', data: Buffer.alloc(600 * 1024) }])) },
    {
      name: 'gzip bomb past EASEL_REGISTRY_LIBRARY_MAX_UNPACKED_BYTES',
      code: 'BUNDLE_INVALID',
      status: 400,
      path: '',
      tgz: () => gzipSync(Buffer.concat([writeTar(entries()).subarray(0, -1024), tarHeader({ path: 'package/bomb.bin', size: 64 * MiB }), Buffer.alloc(64 * MiB), tarPadding(64 * MiB), TAR_END])),
    },
    { name: 'no package.json', code: 'BUNDLE_INVALID', status: 400, path: 'package/package.json', tgz: () => gzipSync(writeTar(entries().filter((e) => e.path !== 'package/package.json'))) },
    {
      name: 'package.json is not JSON',
      code: 'BUNDLE_INVALID',
      status: 400,
      path: 'package/package.json',
      tgz: () => gzipSync(writeTar(entries().map((e) => (e.path === 'package/package.json' ? { ...e, data: text('{"name": ') } : e)))),
    },
    { name: 'package.json names another package', code: 'PUBLISH_INVALID', status: 400, tgz: () => libraryTarball('@easel/other', '1.0.0') },
    { name: 'package.json names another version', code: 'PUBLISH_INVALID', status: 400, tgz: () => libraryTarball('@easel/lib', '2.0.0') },
  ];

  it.each(hostile)('refuses $name with $code and stores nothing', async ({ tgz, code, status, path }) => {
    const res = await publishTarball(r, token, '@easel/lib', '1.0.0', await tgz());
    expect([res.status, res.body.code]).toEqual([status, code]);
    if (path !== undefined) expect(res.body.details.problems.map((p: { path: string }) => p.path)).toContain(path);
    await expectNothingStored(r, '@easel/lib');
    expect(existsSync(join(tmpdir(), 'easel-lib-escape.txt'))).toBe(false);
    expect(existsSync(join(tmpdir(), 'escape.txt'))).toBe(false);
  });

  it('outside the library scopes a tarball without a plugin manifest is refused as before', async () => {
    for (const name of ['@acme/lib', 'plain-lib']) {
      const res = await publishTarball(r, token, name, '1.0.0', libraryTarball(name, '1.0.0'));
      expect([res.status, res.body.code]).toEqual([400, 'BUNDLE_INVALID']);
      expect(res.body.details.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['package/plugin.json', 'package/dist/plugin.js']));
      await expectNothingStored(r, name);
    }
  });

  it('every configured scope is a library scope; a plugin bundle under one is checked as a library', async () => {
    expect((await publishTarball(r, token, '@tools/lib', '1.0.0', libraryTarball('@tools/lib', '1.0.0'))).status).toBe(201);
    // A plugin bundle's package.json names the unscoped plugin: not this library.
    const plugin = await publishTarball(r, token, '@easel/hello', '1.0.0', await bundle({ name: 'hello' }));
    expect(plugin.body.code).toBe('PUBLISH_INVALID');
  });
});

describe('library size defaults', () => {
  let r: RunningRegistry;
  beforeAll(async () => {
    r = await startRegistry();
  });
  afterAll(() => r.close());

  it('the default body limit carries a library tarball up to EASEL_REGISTRY_LIBRARY_MAX_BYTES (40 MiB); one byte more is BUNDLE_TOO_LARGE', { timeout: 60_000 }, async () => {
    const token = await r.user('alice');
    // Random bytes do not compress: the tarball is about as large as the file inside.
    const sized = (bytes: number) => {
      const base = gzipSync(writeTar(libraryEntries('@easel/big', '1.0.0')), { level: 0 });
      return gzipSync(writeTar([...libraryEntries('@easel/big', '1.0.0'), { path: 'package/prebuilds/addon.node', data: randomBytes(bytes - base.length - 4096) }]), { level: 0 });
    };
    const fits = sized(40 * MiB - 64 * 1024);
    expect(fits.length).toBeLessThanOrEqual(40 * MiB);
    const res = await publishTarball(r, token, '@easel/big', '1.0.0', fits);
    expect([res.status, res.body?.code]).toEqual([201, undefined]);

    const over = Buffer.concat([fits, Buffer.alloc(40 * MiB - fits.length + 1)]);
    const refused = await publishTarball(r, token, '@easel/big', '1.0.1', over);
    expect([refused.status, refused.body.code]).toEqual([413, 'BUNDLE_TOO_LARGE']);
  });
});
