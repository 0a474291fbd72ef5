import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { BundleError, DEFAULT_BUNDLE_LIMITS, extractBundle, type BundleLimits } from '../src/bundle/index.ts';
import { writeTar, type TarEntry } from '../src/bundle/tar-writer.ts';
import { ABSOLUTE_ESCAPE_TARGET, HOSTILE_BUNDLES, helloTarball, readTarEntries } from '../../test/fixtures/hostile-bundles.ts';
import { tempDir } from './helpers.ts';

/**
 * root/victim.txt and root/a/dest: hostile bundles aim at dest's parent and grandparent,
 * so anything escaping lands inside root where the test can see it.
 */
async function sandbox(): Promise<{ root: string; dest: string }> {
  const root = await tempDir('easel-extract-');
  const dest = join(root, 'a', 'dest');
  await mkdir(dest, { recursive: true, mode: 0o700 });
  await writeFile(join(root, 'victim.txt'), 'original');
  return { root, dest };
}

async function expectUntouched(root: string, dest: string): Promise<void> {
  expect((await readdir(root, { recursive: true })).sort()).toEqual(['a', 'a/dest', 'victim.txt']);
  expect(await readFile(join(root, 'victim.txt'), 'utf8')).toBe('original');
  expect(await readdir(dest)).toEqual([]);
  expect(existsSync(ABSOLUTE_ESCAPE_TARGET)).toBe(false);
}

async function rejection(tgz: Buffer, dest: string, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Promise<BundleError> {
  const err = await extractBundle(tgz, dest, limits).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BundleError);
  return err as BundleError;
}

const tgzOf = async (extra: TarEntry[]) => gzipSync(writeTar([...readTarEntries(await helloTarball()), ...extra]));

describe('extractBundle: hostile bundles', () => {
  beforeAll(async () => {
    await helloTarball(); // pack once, outside the per-test timeout
  });

  it.each(HOSTILE_BUNDLES)('refuses $name with $expectCode and writes nothing', async (bundle) => {
    const tgz = await bundle.build();
    const { root, dest } = await sandbox();
    const err = await rejection(tgz, dest);
    expect(err.code).toBe(bundle.expectCode);
    expect(err.problems.length).toBeGreaterThan(0);
    if (bundle.problemPath !== undefined) expect(err.problems.map((p) => p.path)).toContain(bundle.problemPath);
    for (const p of err.problems) {
      expect(typeof p.path).toBe('string');
      expect(p.message).toMatch(/\S/);
    }
    await expectUntouched(root, dest);
  });

  it('names the offending entries, all of them at once', async () => {
    const { root, dest } = await sandbox();
    const err = await rejection(
      await tgzOf([
        { path: 'package/../../escape.txt', data: Buffer.from('x') },
        { path: 'package/link', type: 'SymbolicLink', linkpath: '/etc' },
        { path: 'package\\evil.txt', data: Buffer.from('x') },
        { path: 'package/a:b', data: Buffer.from('x') },
        { path: 'package/dist/plugin.js', data: Buffer.from('x') },
      ]),
      dest,
    );
    expect(err.code).toBe('BUNDLE_INVALID');
    expect(err.problems.map((p) => p.path)).toEqual([
      'package/../../escape.txt',
      'package/link',
      'package\\evil.txt',
      'package/a:b',
      'package/dist/plugin.js',
    ]);
    await expectUntouched(root, dest);
  });

  it.each([
    ['gzipped text that is not a tar', () => gzipSync(Buffer.from('hello world '.repeat(100)))],
    ['a truncated tar', async () => gzipSync(writeTar(readTarEntries(await helloTarball())).subarray(0, 1000))],
    ['an empty tar', () => gzipSync(writeTar([]))],
    ['a truncated gzip stream', async () => (await helloTarball()).subarray(0, 200)],
  ])('refuses %s', async (_name, build) => {
    const { root, dest } = await sandbox();
    const err = await rejection(await build(), dest);
    expect(err.code).toBe('BUNDLE_INVALID');
    await expectUntouched(root, dest);
  });

  it('refuses a file used as a directory', async () => {
    const { dest } = await sandbox();
    const err = await rejection(await tgzOf([{ path: 'package/plugin.json/x', data: Buffer.from('x') }]), dest);
    expect(err.problems).toEqual([{ path: 'package/plugin.json/x', message: expect.stringContaining('is a file') }]);
  });

  it('applies the limits it is given', async () => {
    const { root, dest } = await sandbox();
    const limits = { ...DEFAULT_BUNDLE_LIMITS, maxFileBytes: 100, maxDepth: 3 };
    const err = await rejection(await tgzOf([{ path: 'package/a/b/c.txt', data: Buffer.from('x') }]), dest, limits);
    // hello's three files are over 100 bytes; the new file is 4 levels deep.
    expect(err.problems.map((p) => p.path).sort()).toEqual([
      'package/a/b/c.txt',
      'package/dist/plugin.js',
      'package/package.json',
      'package/plugin.json',
    ]);
    await expectUntouched(root, dest);
    const tooBig = await rejection(await helloTarball(), dest, { ...DEFAULT_BUNDLE_LIMITS, maxBytes: 100 });
    expect(tooBig.code).toBe('BUNDLE_TOO_LARGE');
    const unpacked = await rejection(await helloTarball(), dest, { ...DEFAULT_BUNDLE_LIMITS, maxUnpackedBytes: 1000 });
    expect(unpacked.problems).toEqual([{ path: '', message: expect.stringContaining('unpacks to more than 1000 bytes') }]);
    const entries = await rejection(await helloTarball(), dest, { ...DEFAULT_BUNDLE_LIMITS, maxEntries: 2 });
    expect(entries.problems).toEqual([{ path: '', message: expect.stringContaining('more than 2 entries') }]);
    await expectUntouched(root, dest);
  });

  it('refuses a destination that is not empty, and leaves it alone', async () => {
    const { dest } = await sandbox();
    await writeFile(join(dest, 'keep.txt'), 'mine');
    await expect(extractBundle(await helloTarball(), dest, DEFAULT_BUNDLE_LIMITS)).rejects.toThrow(/empty directory/);
    expect(await readdir(dest)).toEqual(['keep.txt']);
  });
});

describe('extractBundle: accepted bundles', () => {
  it('sets modes 0644 and 0755 whatever ordinary permissions the archive had', async () => {
    const { dest } = await sandbox();
    const entries = readTarEntries(await helloTarball()).map((e) => ({ ...e, mode: 0o775 }));
    const tgz = gzipSync(writeTar([{ path: 'package/', type: 'Directory', mode: 0o700 }, { path: 'package/assets/', type: 'Directory', mode: 0o775 }, ...entries]));
    const bundle = await extractBundle(tgz, dest, DEFAULT_BUNDLE_LIMITS);
    for (const f of bundle.files) expect((await stat(join(dest, f.path))).mode & 0o7777).toBe(0o644);
    expect((await stat(join(dest, 'assets'))).mode & 0o7777).toBe(0o755);
  });

  it('returns the files sorted with sizes and hashes, and the integrity of the input', async () => {
    const { dest } = await sandbox();
    const tgz = await tgzOf([{ path: 'package/README.md', data: Buffer.from('# hi\n') }]);
    const bundle = await extractBundle(tgz, dest, DEFAULT_BUNDLE_LIMITS);
    expect(bundle.files.map((f) => f.path)).toEqual(['README.md', 'dist/plugin.js', 'package.json', 'plugin.json']);
    expect(bundle.files[0]).toEqual({ path: 'README.md', size: 5, sha256: createHash('sha256').update('# hi\n').digest('hex') });
    expect(bundle.integrity).toBe(`sha512-${createHash('sha512').update(tgz).digest('base64')}`);
    expect(bundle.manifest.name).toBe('hello');
  });
});

describe('package.json must repeat what plugin.json says', () => {
  it('refuses dependencies or engines.easel that differ from plugin.json', async () => {
    const entries = readTarEntries(await helloTarball()).map((e) => {
      if (e.path !== 'package/package.json') return e;
      const pkg = JSON.parse(Buffer.from(e.data!).toString('utf8'));
      return { ...e, data: Buffer.from(JSON.stringify({ ...pkg, dependencies: { other: '^1.0.0' }, engines: { easel: '^9.0.0' } })) };
    });
    const dest = await tempDir('easel-pkg-claims-');
    await expect(extractBundle(gzipSync(writeTar(entries)), dest, DEFAULT_BUNDLE_LIMITS)).rejects.toMatchObject({
      code: 'BUNDLE_INVALID',
      problems: [
        { path: 'package/package.json', message: 'dependencies differ from plugin.json dependencies' },
        { path: 'package/package.json', message: 'engines.easel "^9.0.0" differs from plugin.json "^1.0.0"' },
      ],
    });
  });
});
