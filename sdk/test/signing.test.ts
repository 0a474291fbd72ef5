import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  checkFiles,
  keyIdOf,
  signNpmVersion,
  signStatement,
  verifyNpmVersion,
  verifyStatement,
  type FileStatement,
  type TrustedKey,
} from '../src/bundle/index.ts';

function keyPair(): { privateKey: KeyObject; trusted: TrustedKey } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, trusted: { keyid: keyIdOf(spki), key: spki.toString('base64') } };
}

const A = keyPair();
const B = keyPair();
const INTEGRITY = `sha512-${createHash('sha512').update('tarball').digest('base64')}`;
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const statement = (): FileStatement => ({
  v: 1,
  name: 'hello',
  version: '1.0.0',
  integrity: INTEGRITY,
  files: { 'README.md': sha('readme'), 'dist/plugin.js': sha('code'), 'package.json': sha('pkg'), 'plugin.json': sha('manifest') },
  hostApi: '^1.0.0',
  publisher: 'alice',
  publishedAt: '2026-01-02T03:04:05.000Z',
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: [1, { d: 1, c: 'x y' }], a: null, e: undefined })).toBe('{"a":null,"b":[1,{"c":"x y","d":1}]}');
    expect(canonicalJson({ z: 1, a: { y: true, b: false } })).toBe(canonicalJson({ a: { b: false, y: true }, z: 1 }));
  });

  it('refuses values JSON cannot carry exactly', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
    expect(() => canonicalJson({ b: 1n })).toThrow(TypeError);
  });
});

describe('keyIdOf', () => {
  it('is SHA256: plus unpadded base64 of the SPKI digest', () => {
    const spki = Buffer.from(A.trusted.key, 'base64');
    expect(A.trusted.keyid).toBe(`SHA256:${createHash('sha256').update(spki).digest('base64').replace(/=+$/, '')}`);
    expect(A.trusted.keyid).not.toMatch(/=$/);
  });
});

describe('npm registry signatures', () => {
  const signature = signNpmVersion('hello', '1.0.0', INTEGRITY, A.privateKey);

  it('verifies with the trusted key', () => {
    expect(signature.keyid).toBe(A.trusted.keyid);
    expect(verifyNpmVersion('hello', '1.0.0', INTEGRITY, [signature], [B.trusted, A.trusted])).toEqual({ ok: true, keyid: A.trusted.keyid });
  });

  it('refuses a tampered message: other name, version or integrity', () => {
    const other = `sha512-${createHash('sha512').update('other').digest('base64')}`;
    expect(verifyNpmVersion('hellp', '1.0.0', INTEGRITY, [signature], [A.trusted]).ok).toBe(false);
    expect(verifyNpmVersion('hello', '1.0.1', INTEGRITY, [signature], [A.trusted]).ok).toBe(false);
    expect(verifyNpmVersion('hello', '1.0.0', other, [signature], [A.trusted]).ok).toBe(false);
  });

  it('refuses a signature by an untrusted key, or one relabelled with a trusted keyid', () => {
    const byB = signNpmVersion('hello', '1.0.0', INTEGRITY, B.privateKey);
    expect(verifyNpmVersion('hello', '1.0.0', INTEGRITY, [byB], [A.trusted])).toMatchObject({ ok: false, reason: expect.stringContaining('not trusted') });
    const relabelled = { keyid: A.trusted.keyid, sig: byB.sig };
    expect(verifyNpmVersion('hello', '1.0.0', INTEGRITY, [relabelled], [A.trusted])).toMatchObject({ ok: false, reason: expect.stringContaining('does not match') });
  });

  it('refuses a trusted-key entry whose keyid is another key', () => {
    const mislabelled = { keyid: A.trusted.keyid, key: B.trusted.key };
    const byB = signNpmVersion('hello', '1.0.0', INTEGRITY, B.privateKey);
    expect(verifyNpmVersion('hello', '1.0.0', INTEGRITY, [{ ...byB, keyid: A.trusted.keyid }], [mislabelled]).ok).toBe(false);
  });

  it('honours revoked, expires and notBefore against the publish time', () => {
    const at = new Date('2026-06-01T00:00:00Z');
    const check = (key: Partial<TrustedKey>) => verifyNpmVersion('hello', '1.0.0', INTEGRITY, [signature], [{ ...A.trusted, ...key }], at);
    expect(check({ revoked: true })).toMatchObject({ ok: false, reason: expect.stringContaining('revoked') });
    expect(check({ expires: '2026-05-01T00:00:00Z' })).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
    expect(check({ expires: '2026-07-01T00:00:00Z' }).ok).toBe(true); // published before the key expired
    expect(check({ expires: null }).ok).toBe(true);
    expect(check({ notBefore: '2026-07-01T00:00:00Z' }).ok).toBe(false);
    expect(check({ notBefore: '2026-01-01T00:00:00Z' }).ok).toBe(true);
  });

  it('refuses no signatures and malformed entries', () => {
    expect(verifyNpmVersion('hello', '1.0.0', INTEGRITY, [], [A.trusted])).toEqual({ ok: false, reason: 'no signatures' });
    expect(verifyNpmVersion('hello', '1.0.0', INTEGRITY, [{ keyid: 1 } as never], [A.trusted]).ok).toBe(false);
  });
});

describe('signed file statements', () => {
  const signed = signStatement(statement(), A.privateKey);

  it('is canonical JSON and verifies back to the statement', () => {
    expect(signed.text).toBe(canonicalJson(statement()));
    expect(signed.text.startsWith('{"files":{"README.md"')).toBe(true);
    const result = verifyStatement(signed.text, signed.signatures, [A.trusted]);
    expect(result).toEqual({ ok: true, statement: statement() });
  });

  it('refuses a tampered text, a wrong key and a revoked key', () => {
    const tampered = signed.text.replace('"publisher":"alice"', '"publisher":"mallory"');
    expect(verifyStatement(tampered, signed.signatures, [A.trusted]).ok).toBe(false);
    expect(verifyStatement(signed.text, signed.signatures, [B.trusted]).ok).toBe(false);
    expect(verifyStatement(signed.text, signed.signatures, [{ ...A.trusted, revoked: true }]).ok).toBe(false);
    expect(verifyStatement(signed.text, signed.signatures, [{ ...A.trusted, expires: '2020-01-01T00:00:00Z' }]).ok).toBe(false);
  });

  it('refuses a signed text that is not canonical or not a statement', () => {
    const spaced = JSON.stringify(statement(), null, 1);
    // Well signed by a trusted key, but not what signStatement would produce.
    const signSpaced = (text: string) => ({ keyid: A.trusted.keyid, sig: sign('sha256', Buffer.from(text, 'utf8'), A.privateKey).toString('base64') });
    expect(verifyStatement(spaced, [signSpaced(spaced)], [A.trusted])).toMatchObject({ ok: false, reason: expect.stringContaining('canonical') });
    const notStatement = canonicalJson({ v: 1, name: 'x' });
    expect(verifyStatement(notStatement, [signSpaced(notStatement)], [A.trusted])).toMatchObject({ ok: false, reason: expect.stringContaining('malformed') });
    expect(() => signStatement({ ...statement(), files: { a: 'nothex' } }, A.privateKey)).toThrow(TypeError);
  });

  it('checkFiles: all match', () => {
    const files = Object.entries(statement().files).map(([path, sha256]) => ({ path, sha256 }));
    expect(checkFiles(statement(), files)).toEqual([]);
  });

  it('checkFiles: swapped file names with unchanged content hashes are caught', () => {
    const s = statement();
    // The bytes of plugin.json and package.json exchanged: the set of hashes is the same.
    const files = [
      { path: 'README.md', sha256: s.files['README.md']! },
      { path: 'dist/plugin.js', sha256: s.files['dist/plugin.js']! },
      { path: 'package.json', sha256: s.files['plugin.json']! },
      { path: 'plugin.json', sha256: s.files['package.json']! },
    ];
    expect(checkFiles(s, files).sort()).toEqual(['changed: package.json', 'changed: plugin.json']);
  });

  it('checkFiles: a renamed file is missing under its old name and extra under the new one', () => {
    const s = statement();
    const files = Object.entries(s.files).map(([path, sha256]) => ({ path: path === 'README.md' ? 'README.txt' : path, sha256 }));
    expect(checkFiles(s, files).sort()).toEqual(['extra: README.txt', 'missing: README.md']);
  });

  it('checkFiles: changed bytes, added and duplicate files', () => {
    const s = statement();
    const files = [
      ...Object.entries(s.files).map(([path, sha256]) => ({ path, sha256: path === 'dist/plugin.js' ? sha('evil') : sha256 })),
      { path: 'extra.js', sha256: sha('x') },
      { path: 'plugin.json', sha256: s.files['plugin.json']! },
    ];
    expect(checkFiles(s, files).sort()).toEqual(['changed: dist/plugin.js', 'duplicate: plugin.json', 'extra: extra.js']);
  });
});
