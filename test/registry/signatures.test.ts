import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRegistry, loadConfig } from '../../registry/src/index.ts';
import { checkFiles, DEFAULT_BUNDLE_LIMITS, extractBundle, keyIdOf, verifyNpmVersion, verifyStatement, type TrustedKey } from '../../sdk/src/bundle/index.ts';
import { ADMIN_TOKEN, publish, startRegistry, type RunningRegistry } from './helpers.ts';

let r: RunningRegistry;
let trusted: TrustedKey[];
let doc: any;

beforeAll(async () => {
  r = await startRegistry();
  const token = await r.user('alice');
  expect((await publish(r, token, { name: 'signed', version: '1.0.0', readme: '# Signed\n' })).status).toBe(201);
  trusted = (await r.call('GET', '/-/npm/v1/keys')).body.keys;
  doc = (await r.call('GET', '/signed')).body;
});
afterAll(() => r.close());

describe('registry signatures', () => {
  it('publishes one ECDSA P-256 key in npm format', () => {
    expect(trusted).toHaveLength(1);
    const [key] = trusted as [TrustedKey & Record<string, unknown>];
    expect(key).toMatchObject({ expires: null, keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256' });
    expect(keyIdOf(Buffer.from(key.key, 'base64'))).toBe(key.keyid);
    expect(r.registry.publicKey.keyid).toBe(key.keyid);
  });

  it('signs name@version:integrity (dist.signatures)', () => {
    const v = doc.versions['1.0.0'];
    expect(v.dist.signatures).toEqual([{ keyid: trusted[0]!.keyid, sig: expect.any(String) }]);
    const at = new Date(doc.time['1.0.0']);
    expect(verifyNpmVersion('signed', '1.0.0', v.dist.integrity, v.dist.signatures, trusted, at)).toEqual({ ok: true, keyid: trusted[0]!.keyid });
    expect(verifyNpmVersion('signed', '1.0.1', v.dist.integrity, v.dist.signatures, trusted, at).ok).toBe(false);
  });

  it('signs the file statement, which matches the files of the tarball', async () => {
    const v = doc.versions['1.0.0'];
    const result = verifyStatement(v.dist['easel:statement'], v.dist['easel:signatures'], trusted);
    if (!result.ok) throw new Error(result.reason);
    const { statement } = result;
    expect(statement).toMatchObject({ v: 1, name: 'signed', version: '1.0.0', integrity: v.dist.integrity, hostApi: '^1.0.0', publisher: 'alice', publishedAt: doc.time['1.0.0'] });

    const tgz = (await r.call('GET', '/signed/-/signed-1.0.0.tgz')).body as Buffer;
    const dir = await mkdtemp(join(tmpdir(), 'easel-verify-'));
    try {
      const extracted = await extractBundle(tgz, dir, DEFAULT_BUNDLE_LIMITS);
      expect(Object.keys(statement.files).sort()).toEqual(['README.md', 'dist/plugin.js', 'package.json', 'plugin.json']);
      expect(checkFiles(statement, extracted.files)).toEqual([]);
      // Swap two files' names: the same set of hashes, caught per path.
      const swapped = extracted.files.map((f) => (f.path === 'README.md' ? { ...f, path: 'package.json' } : f.path === 'package.json' ? { ...f, path: 'README.md' } : f));
      expect(checkFiles(statement, swapped).sort()).toEqual(['changed: README.md', 'changed: package.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a statement signed for another version does not pass for this one', () => {
    const v = doc.versions['1.0.0'];
    const forged = v.dist['easel:statement'].replace('"version":"1.0.0"', '"version":"1.0.1"');
    expect(verifyStatement(forged, v.dist['easel:signatures'], trusted).ok).toBe(false);
  });
});

describe('the signing key', () => {
  it('is generated once into the data dir (0600) and kept across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'easel-registry-key-'));
    try {
      const config = loadConfig({}, { dataDir: dir, port: 0, adminToken: ADMIN_TOKEN, logLevel: 'silent' });
      const first = await buildRegistry(config);
      await first.app.close();
      expect(first.generatedSigningKey).toBe(true);
      expect((await stat(join(dir, 'keys', 'signing-key.pem'))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700);
      const second = await buildRegistry(config);
      await second.app.close();
      expect(second.generatedSigningKey).toBe(false);
      expect(second.publicKey.keyid).toBe(first.publicKey.keyid);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('can come from EASEL_REGISTRY_SIGNING_KEY_FILE; a key of another kind is refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'easel-registry-key-'));
    try {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const file = join(dir, 'mine.pem');
      await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const registry = await buildRegistry(loadConfig({ EASEL_REGISTRY_SIGNING_KEY_FILE: file }, { dataDir: join(dir, 'data'), port: 0, logLevel: 'silent' }));
      await registry.app.close();
      expect(registry.publicKey.keyid).toBe(keyIdOf(publicKey.export({ type: 'spki', format: 'der' })));
      expect(registry.generatedAdminToken).toMatch(/^ereg_admin_/);

      const ed = join(dir, 'ed.pem');
      await writeFile(ed, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
      await expect(buildRegistry(loadConfig({ EASEL_REGISTRY_SIGNING_KEY_FILE: ed }, { dataDir: join(dir, 'data2'), port: 0, logLevel: 'silent' }))).rejects.toThrow(/P-256/);
      // A configured file that does not exist is an error, not a silently generated key.
      await expect(buildRegistry(loadConfig({ EASEL_REGISTRY_SIGNING_KEY_FILE: join(dir, 'absent.pem') }, { dataDir: join(dir, 'data3'), port: 0, logLevel: 'silent' }))).rejects.toThrow(/ENOENT/);
      expect(await readFile(file, 'utf8')).toContain('PRIVATE KEY');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
