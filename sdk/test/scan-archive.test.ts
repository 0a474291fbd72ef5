/**
 * The archive reader under extraction: what real packers write is accepted (npm's pax
 * headers for long or non-ASCII names, GNU tar's zero-padded records, ordinary modes), and
 * the form of an archive is checked to the byte (see test/fixtures/hostile-bundles.ts for
 * the hostile archives every layer refuses).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { create } from 'tar';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUNDLE_LIMITS, extractBundle, extractPackage } from '../src/bundle/index.ts';
import { gunzipExact } from '../src/bundle/gzip-member.ts';
import { scanTar } from '../src/bundle/scan-archive.ts';
import { walkTar } from '../src/bundle/tar-reader.ts';
import { TAR_END, writeTar } from '../src/bundle/tar-writer.ts';
import { helloTarball, paxEntry, rawEntry, readTarEntries } from '../../test/fixtures/hostile-bundles.ts';
import { tempDir } from './helpers.ts';

const text = (s: string) => Buffer.from(s, 'utf8');
const LONG_NAME = `docs/${'a-rather-long-folder-name/'.repeat(6)}${'notes-'.repeat(20)}.md`;

/** hello's blocks without the end blocks. */
async function helloBlocks(): Promise<Buffer> {
  const tar = writeTar(readTarEntries(await helloTarball()));
  return tar.subarray(0, tar.length - TAR_END.length);
}

/** The problems scanTar finds in hello plus `parts` (then the end blocks). */
async function problemsWith(...parts: Buffer[]) {
  return scanTar(Buffer.concat([await helloBlocks(), ...parts, TAR_END]), DEFAULT_BUNDLE_LIMITS).problems;
}

/** A folder with hello's three files and two more with a long and a non-ASCII name. */
async function helloFolder(): Promise<string> {
  const dir = await tempDir('easel-scan-npm-');
  for (const e of readTarEntries(await helloTarball())) {
    const rel = e.path.slice('package/'.length);
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), e.data!);
  }
  await mkdir(join(dir, LONG_NAME, '..'), { recursive: true });
  await writeFile(join(dir, LONG_NAME), '# long\n');
  await writeFile(join(dir, '안녕-naïve.txt'), 'hi\n');
  return dir;
}

/** A tarball of `dir` made the way npm pack makes one (pacote's options for node-tar). */
async function npmStyleTarball(dir: string, files: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = create({ cwd: dir, prefix: 'package/', portable: true, gzip: { level: 9 }, mtime: new Date('1985-10-26T08:15:00.000Z') }, files);
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('what real packers write is accepted', () => {
  it('a bundle packed as npm pack does, with pax headers for long and non-ASCII names', async () => {
    const dir = await helloFolder();
    const tgz = await npmStyleTarball(dir, ['dist/plugin.js', 'package.json', 'plugin.json', LONG_NAME, '안녕-naïve.txt']);
    const tar = gunzipSync(tgz);
    expect(tar.includes('PaxHeader/')).toBe(true);
    const paths = [...walkTar(tar)].flatMap((s) => (s.kind === 'item' ? [s.item.path] : []));
    expect(paths).toContain(`package/${LONG_NAME}`);
    expect(paths).toContain('package/안녕-naïve.txt');
    const dest = await tempDir('easel-scan-dest-');
    const bundle = await extractBundle(tgz, dest, DEFAULT_BUNDLE_LIMITS);
    expect(bundle.files.map((f) => f.path)).toEqual(expect.arrayContaining([LONG_NAME, '안녕-naïve.txt']));
    expect(await readFile(join(dest, LONG_NAME), 'utf8')).toBe('# long\n');
    expect(await readFile(join(dest, '안녕-naïve.txt'), 'utf8')).toBe('hi\n');
  });

  it('a library packed as npm pack does, executable bins included', async () => {
    const dir = await tempDir('easel-scan-lib-');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: '@easel/lib', version: '1.0.0', bin: { lib: 'cli.js' } }));
    await writeFile(join(dir, 'cli.js'), '#!/usr/bin/env node\n', { mode: 0o755 });
    const tgz = await npmStyleTarball(dir, ['package.json', 'cli.js']);
    const { files } = await extractPackage(tgz, await tempDir('easel-scan-dest-'), DEFAULT_BUNDLE_LIMITS);
    expect(files.map((f) => f.path)).toEqual(['cli.js', 'package.json']);
  });

  it('zero padding after the end blocks (GNU tar fills 10240-byte records)', async () => {
    const tar = Buffer.concat([await helloBlocks(), TAR_END]);
    const padded = Buffer.concat([tar, Buffer.alloc(10240 - (tar.length % 10240))]);
    const bundle = await extractBundle(gzipSync(padded), await tempDir('easel-scan-dest-'), DEFAULT_BUNDLE_LIMITS);
    expect(bundle.files).toHaveLength(3);
  });

  it('group-writable and private modes, and an old-style regular file (type flag NUL)', async () => {
    const problems = await problemsWith(
      rawEntry({ path: 'package/a.txt', data: text('a'), mode: 0o664 }),
      rawEntry({ path: 'package/b/', type: 'Directory', mode: 0o700 }),
      rawEntry({ path: 'package/c.txt', data: text('c') }, (h) => (h[156] = 0)),
    );
    expect(problems).toEqual([]);
  });

  it('a pax header with path, size, times and owners', async () => {
    const problems = await problemsWith(
      paxEntry([
        ['path', `package/${LONG_NAME}`],
        ['size', '1'],
        ['mtime', '499162500.123'],
        ['uid', '1000'],
        ['uname', 'someone'],
      ]),
      rawEntry({ path: 'package/short.md', data: text('x') }),
    );
    expect(problems).toEqual([]);
  });
});

describe('the form of the archive, to the byte', () => {
  it('refuses two pax headers in a row and a pax key given twice', async () => {
    const problems = await problemsWith(
      paxEntry([['path', 'package/one.txt']]),
      paxEntry([
        ['mtime', '1'],
        ['mtime', '2'],
      ]),
      rawEntry({ path: 'package/x.txt', data: text('x') }),
    );
    expect(problems).toEqual([{ path: 'package/one.txt', message: expect.stringMatching(/two pax extended headers in a row.*pax record "mtime" twice/) }]);
  });

  it('refuses a pax path with a newline (node-tar would split the record there)', async () => {
    const problems = await problemsWith(paxEntry([['path', 'package/a\nsize=0']]), rawEntry({ path: 'package/x.txt', data: text('x') }));
    expect(problems).toEqual([{ path: 'package/a\nsize=0', message: expect.stringContaining('newline') }]);
  });

  it('refuses a name that is not UTF-8, and bytes in the unused end of a header', async () => {
    const problems = await problemsWith(
      rawEntry({ path: 'package/x.txt', data: text('x') }, (h) => (h[12] = 0xff)),
      rawEntry({ path: 'package/y.txt', data: text('y') }, (h) => (h[505] = 1)),
    );
    expect(problems).toEqual([
      { path: 'package/x.tx\xff', message: 'has a name that is not valid UTF-8' },
      { path: 'package/y.txt', message: 'has bytes in the unused end of its header' },
    ]);
  });

  it('refuses numeric fields that are not octal', async () => {
    const problems = await problemsWith(rawEntry({ path: 'package/x.txt', data: text('x') }, (h) => h.write('12a4567\0', 108, 'latin1')));
    expect(problems).toEqual([{ path: 'package/x.txt', message: 'has a malformed uid field' }]);
  });

  it('stops reading at 100 problems and says so', async () => {
    const many = Array.from({ length: 150 }, (_, i) => rawEntry({ path: `package/f${i}`, type: 'FIFO' }));
    const { problems, complete } = scanTar(Buffer.concat([await helloBlocks(), ...many, TAR_END]), DEFAULT_BUNDLE_LIMITS);
    expect(problems).toHaveLength(101);
    expect(problems.at(-1)!.message).toContain('too many problems');
    expect(complete).toBe(false);
  });

  it('gunzipExact returns the archive of one exact gzip member and refuses a cut trailer or bytes after it', async () => {
    const tgz = await helloTarball();
    expect(await gunzipExact(tgz, 1 << 20)).toEqual(gunzipSync(tgz));
    await expect(gunzipExact(tgz.subarray(0, tgz.length - 3), 1 << 20)).rejects.toMatchObject({ code: 'BUNDLE_INVALID', problems: [{ path: '', message: expect.stringContaining('trailer') }] });
    await expect(gunzipExact(Buffer.concat([tgz, Buffer.from([0])]), 1 << 20)).rejects.toMatchObject({ problems: [{ message: expect.stringContaining('1 bytes after the end of its gzip stream') }] });
    await expect(gunzipExact(tgz, 1000)).rejects.toMatchObject({ problems: [{ message: expect.stringContaining('decompresses to more than 1000 bytes') }] });
  });
});
