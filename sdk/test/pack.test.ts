import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { describe, expect, it } from 'vitest';
import { BundleError, DEFAULT_BUNDLE_LIMITS, extractBundle, integrityOf, packPlugin } from '../src/bundle/index.ts';
import { HELLO_DIR } from '../../test/fixtures/hostile-bundles.ts';
import { helloManifest, tempDir, tempPlugin } from './helpers.ts';

interface Listed {
  path: string;
  type: string;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  mtime?: Date;
  data: Buffer;
}

/** Every entry with its header fields and bytes, read with tar's own parser. */
function list(tgz: Buffer): Listed[] {
  const out: Listed[] = [];
  const parser = new Parser({ strict: true });
  parser.on('entry', (e: ReadEntry) => {
    const chunks: Buffer[] = [];
    e.on('data', (c: Buffer) => chunks.push(c));
    e.on('end', () => out.push({ path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, uname: e.uname, gname: e.gname, mtime: e.mtime, data: Buffer.concat(chunks) }));
  });
  parser.end(gunzipSync(tgz));
  return out;
}

describe('packPlugin', () => {
  it('packs hello reproducibly: same bytes, same integrity', async () => {
    const a = await packPlugin(HELLO_DIR);
    const b = await packPlugin(HELLO_DIR);
    expect(a.tarball.equals(b.tarball)).toBe(true);
    expect(a.integrity).toBe(b.integrity);
    expect(a.integrity).toBe(integrityOf(a.tarball));
    expect(a.integrity).toBe(`sha512-${createHash('sha512').update(a.tarball).digest('base64')}`);
    expect(a.filename).toBe('hello-1.0.0.tgz');
    expect(a.manifest).toEqual(await helloManifest());
  });

  it('lists exactly package.json, plugin.json and dist/plugin.js, with fixed metadata', async () => {
    const { tarball } = await packPlugin(HELLO_DIR);
    const entries = list(tarball);
    expect(entries.map((e) => e.path).sort()).toEqual(['package/dist/plugin.js', 'package/package.json', 'package/plugin.json']);
    for (const e of entries) {
      expect(e).toMatchObject({ type: 'File', mode: 0o644, uid: 0, gid: 0 });
      expect(e.uname ?? '').toBe('');
      expect(e.gname ?? '').toBe('');
      expect(e.mtime?.toISOString()).toBe('1985-10-26T08:15:00.000Z');
    }
    // gzip header: no mtime, no file name, Unix OS byte.
    expect([...tarball.subarray(0, 4)]).toEqual([0x1f, 0x8b, 8, 0]);
    expect(tarball.readUInt32LE(4)).toBe(0);
    expect(tarball[9]).toBe(3);
    const pkg = JSON.parse(entries.find((e) => e.path === 'package/package.json')!.data.toString());
    expect(pkg).toEqual({
      name: 'hello',
      version: '1.0.0',
      description: 'Greets people and counts their visits: the smallest Easel plugin',
      license: 'Apache-2.0',
      dependencies: {},
      engines: { easel: '^1.0.0' },
      easel: { manifest: 'plugin.json' },
    });
    const script = entries.find((e) => e.path === 'package/dist/plugin.js')!.data.toString();
    expect(script).toContain('__easelPlugin');
    expect(script).not.toMatch(/\brequire\(|^import /m);
  });

  it('extractBundle accepts what pack produced and returns the manifest', async () => {
    const { tarball, integrity } = await packPlugin(HELLO_DIR);
    const dest = await tempDir();
    const bundle = await extractBundle(tarball, dest, DEFAULT_BUNDLE_LIMITS);
    expect(bundle.manifest).toEqual(await helloManifest());
    expect(bundle.integrity).toBe(integrity);
    expect(bundle.files.map((f) => f.path)).toEqual(['dist/plugin.js', 'package.json', 'plugin.json']);
    for (const f of bundle.files) {
      const bytes = await readFile(join(dest, f.path));
      expect(f.size).toBe(bytes.length);
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(bundle.scriptSha256).toBe(bundle.files[0]!.sha256);
  });

  it('includes README.md and CHANGELOG.md, sorted, and does not depend on the folder path', async () => {
    const files = { 'README.md': '# Hello\n', 'CHANGELOG.md': '## 1.0.0\n', 'notes.txt': 'not packed' };
    const a = await packPlugin(await tempPlugin({ files }));
    const b = await packPlugin(await tempPlugin({ files }));
    expect(a.tarball.equals(b.tarball)).toBe(true);
    expect(list(a.tarball).map((e) => e.path)).toEqual([
      'package/CHANGELOG.md',
      'package/README.md',
      'package/dist/plugin.js',
      'package/package.json',
      'package/plugin.json',
    ]);
  });

  it('puts keywords into package.json when the manifest has them', async () => {
    const manifest = { ...(await helloManifest()), keywords: ['greeting'] };
    const { tarball } = await packPlugin(await tempPlugin({ manifest }));
    const pkg = JSON.parse(list(tarball).find((e) => e.path === 'package/package.json')!.data.toString());
    expect(pkg.keywords).toEqual(['greeting']);
  });

  it('refuses an invalid manifest with MANIFEST_INVALID and every problem', async () => {
    const manifest = await helloManifest();
    manifest.name = 'Bad Name';
    manifest.limits.memoryMb = 1;
    const err = await packPlugin(await tempPlugin({ manifest })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe('MANIFEST_INVALID');
    expect((err as BundleError).problems.map((p) => p.path).sort()).toEqual(['/limits/memoryMb', '/name']);
  });

  it('refuses a folder without plugin.json', async () => {
    const err = await packPlugin(await tempDir()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MANIFEST_INVALID', problems: [{ path: '/' }] });
  });

  it('refuses code that does not bundle, naming the file and line', async () => {
    const err = await packPlugin(await tempPlugin({ source: 'export default {\n  oops(\n' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleError);
    expect((err as BundleError).code).toBe('BUNDLE_INVALID');
    expect((err as BundleError).problems[0]!.path).toMatch(/^src\/index\.js:\d+:\d+$/);
  });
});
