import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bundle, publish, publishBody, sha1, sri, startRegistry, type RunningRegistry } from './helpers.ts';

let r: RunningRegistry;
let alice: string;
let bob: string;

beforeAll(async () => {
  r = await startRegistry();
  [alice, bob] = await Promise.all([r.user('alice'), r.user('bob')]);
});
afterAll(() => r.close());

async function tarballFiles(): Promise<string[]> {
  const dir = join(r.dataDir, 'tarballs');
  return existsSync(dir) ? (await readdir(dir, { recursive: true })).filter((f) => String(f).endsWith('.tgz')).map(String) : [];
}

describe('publish', () => {
  it('stores a valid bundle, recomputes digests and writes its own tarball URL', async () => {
    const tgz = await bundle({ name: 'greeter', version: '1.0.0', readme: '# Greeter\n', changelog: '## 1.0.0\n- first\n' });
    const res = await r.call('PUT', '/greeter', { token: alice, body: publishBody('greeter', '1.0.0', tgz) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ok: true, id: 'greeter' });

    const doc = (await r.call('GET', '/greeter')).body;
    const v = doc.versions['1.0.0'];
    expect(v.dist.integrity).toBe(sri(tgz));
    expect(v.dist.shasum).toBe(sha1(tgz));
    expect(v.dist.tarball).toBe(`${r.url}/greeter/-/greeter-1.0.0.tgz`);
    expect(v._npmUser).toEqual({ name: 'alice', email: '' });
    expect(v.engines).toEqual({ easel: '^1.0.0' });
    expect(v.dependencies).toEqual({});
    expect(v.easel).toMatchObject({ manifest: 'plugin.json', hostApi: '^1.0.0', agents: [{ type: 'greeter', capabilities: ['greet', 'count'] }], permissions: { kv: true } });
    // Nothing the client sent beyond the tarball is kept.
    expect(v.readme).toBeUndefined();
    expect(v._nodeVersion).toBeUndefined();
    expect(doc.readme).toBe('# Greeter\n');
    expect(doc.maintainers).toEqual([{ name: 'alice', email: '' }]);
    expect(doc['dist-tags']).toEqual({ latest: '1.0.0' });

    const download = await r.call('GET', '/greeter/-/greeter-1.0.0.tgz');
    expect(download.status).toBe(200);
    expect(sri(download.body)).toBe(sri(tgz));
  });

  it('refuses anything but exactly one version with one attachment', async () => {
    const tgz = await bundle({ name: 'multi', version: '1.0.0' });
    const body = publishBody('multi', '1.0.0', tgz);
    const twoVersions = { ...body, versions: { ...body.versions, '1.0.1': { ...body.versions['1.0.0'], version: '1.0.1' } } };
    const twoFiles = { ...body, _attachments: { ...body._attachments, 'multi-1.0.1.tgz': body._attachments['multi-1.0.0.tgz'] } };
    for (const bad of [twoVersions, twoFiles, { ...body, versions: {} }, { ...body, name: 'other' }]) {
      const res = await r.call('PUT', '/multi', { token: alice, body: bad });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('PUBLISH_INVALID');
      expect(res.body.error).toBe(res.body.message);
    }
    const badBase64 = { ...body, _attachments: { 'multi-1.0.0.tgz': { data: '!!notbase64!!', length: 9 } } };
    expect((await r.call('PUT', '/multi', { token: alice, body: badBase64 })).body.code).toBe('PUBLISH_INVALID');
    const badLength = { ...body, _attachments: { 'multi-1.0.0.tgz': { data: tgz.toString('base64'), length: tgz.length + 1 } } };
    expect((await r.call('PUT', '/multi', { token: alice, body: badLength })).body.code).toBe('PUBLISH_INVALID');
    expect((await r.call('GET', '/multi')).status).toBe(404);
  });

  it("refuses a tarball whose digests differ from the client's dist values", async () => {
    const tgz = await bundle({ name: 'tampered', version: '1.0.0' });
    const other = await bundle({ name: 'tampered', version: '1.0.0', readme: 'x' });
    for (const dist of [{ integrity: sri(other) }, { shasum: sha1(other) }]) {
      const res = await r.call('PUT', '/tampered', { token: alice, body: publishBody('tampered', '1.0.0', tgz, dist) });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INTEGRITY_MISMATCH');
    }
    expect((await r.call('GET', '/tampered')).status).toBe(404);
  });

  it('refuses a bundle whose manifest names another package or version', async () => {
    const tgz = await bundle({ name: 'hello', version: '1.0.0' });
    const res = await r.call('PUT', '/impostor', { token: alice, body: { ...publishBody('impostor', '1.0.0', tgz) } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('PUBLISH_INVALID');
  });

  it('refuses a version that exists, and one that was unpublished (tombstone)', async () => {
    expect((await publish(r, alice, { name: 'stable', version: '1.0.0' })).status).toBe(201);
    expect((await publish(r, alice, { name: 'stable', version: '1.1.0' })).status).toBe(201);
    const again = await publish(r, alice, { name: 'stable', version: '1.0.0', readme: 'different bytes' });
    expect(again.status).toBe(403);
    expect(again.body).toMatchObject({ code: 'VERSION_EXISTS', error: 'cannot modify pre-existing version: 1.0.0' });

    const before = await tarballFiles();
    const { _rev } = (await r.call('GET', '/stable?write=true', { token: alice })).body;
    expect((await r.call('DELETE', `/stable/-rev/${_rev}`, { token: alice })).status).toBe(201);
    expect((await r.call('GET', '/stable')).status).toBe(404);
    expect((await tarballFiles()).length).toBe(before.length - 2);

    const reused = await publish(r, alice, { name: 'stable', version: '1.1.0' });
    expect(reused.status).toBe(403);
    expect(reused.body.code).toBe('VERSION_EXISTS');
    // The owner may go on with a new number; the name stays theirs.
    expect((await publish(r, bob, { name: 'stable', version: '2.0.0' })).body.code).toBe('NOT_OWNER');
    expect((await publish(r, alice, { name: 'stable', version: '2.0.0' })).status).toBe(201);
    const doc = (await r.call('GET', '/stable')).body;
    expect(Object.keys(doc.versions)).toEqual(['2.0.0']);
    expect(Object.keys(doc.time)).toEqual(expect.arrayContaining(['1.0.0', '1.1.0', '2.0.0']));
  });

  it('lets only owners publish; an owner can add owners', async () => {
    expect((await publish(r, alice, { name: 'owned', version: '1.0.0' })).status).toBe(201);
    const denied = await publish(r, bob, { name: 'owned', version: '1.0.1' });
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('NOT_OWNER');

    expect((await r.call('PUT', '/api/v1/packages/owned/owners/bob', { token: bob })).body.code).toBe('NOT_OWNER');
    const added = await r.call('PUT', '/api/v1/packages/owned/owners/bob', { token: alice });
    expect(added.body.owners).toEqual(['alice', 'bob']);
    expect((await publish(r, bob, { name: 'owned', version: '1.0.1' })).status).toBe(201);
    expect((await r.call('GET', '/owned')).body.versions['1.0.1']._npmUser).toEqual({ name: 'bob', email: '' });

    expect((await r.call('PUT', '/api/v1/packages/owned/owners/nobody', { token: alice })).body.code).toBe('USER_NOT_FOUND');
    expect((await r.call('DELETE', '/api/v1/packages/owned/owners/alice', { token: bob })).body.owners).toEqual(['bob']);
    expect((await r.call('DELETE', '/api/v1/packages/owned/owners/bob', { token: bob })).body.code).toBe('LAST_OWNER');
    expect((await r.call('GET', '/api/v1/packages/owned/owners')).body.owners).toEqual(['bob']);
  });

  it('concurrent publishes: one winner per version, every distinct version kept', async () => {
    const racers = await Promise.all([publish(r, alice, { name: 'race', version: '1.0.0' }), publish(r, bob, { name: 'race', version: '1.0.0' })]);
    expect(racers.map((res) => res.status).sort()).toEqual([201, 403]);
    const winner = racers[0]!.status === 201 ? alice : bob;
    const versions = ['1.1.0', '1.2.0', '1.3.0', '1.4.0'];
    const all = await Promise.all(versions.map((version) => publish(r, winner, { name: 'race', version, tag: `t${version.replaceAll('.', '')}` })));
    expect(all.map((res) => res.status)).toEqual([201, 201, 201, 201]);
    expect(Object.keys((await r.call('GET', '/race')).body.versions)).toEqual(['1.0.0', ...versions]);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await r.call('PUT', '/broken', { token: alice, raw: '{"name":' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('REQUEST_INVALID');
  });

  it('needs a user token, checked before the body is read', async () => {
    const tgz = await bundle({ name: 'anon', version: '1.0.0' });
    const anonymous = await r.call('PUT', '/anon', { body: publishBody('anon', '1.0.0', tgz) });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('AUTH_REQUIRED');
    expect((await r.call('PUT', '/anon', { token: 'ereg_bogus', body: publishBody('anon', '1.0.0', tgz) })).body.code).toBe('AUTH_INVALID');
    expect((await r.call('PUT', '/anon', { token: ADMIN_TOKEN, body: publishBody('anon', '1.0.0', tgz) })).body.code).toBe('FORBIDDEN');
  });

  it('applies the body cap before parsing', async () => {
    const small = await startRegistry({ maxBodyBytes: 1024 });
    try {
      const token = await small.user('carol');
      const tgz = await bundle({ name: 'big', version: '1.0.0' });
      const res = await small.call('PUT', '/big', { token, body: publishBody('big', '1.0.0', tgz) });
      expect(res.status).toBe(413);
      expect(res.body.code).toBe('REQUEST_TOO_LARGE');
      // Not even JSON: the cap answers before the parser would complain.
      const junk = await small.call('PUT', '/big', { token, raw: 'x'.repeat(10_000) });
      expect(junk.body.code).toBe('REQUEST_TOO_LARGE');
    } finally {
      await small.close();
    }
  });

  it('refuses invalid package names in any route', async () => {
    for (const path of ['/Hello', '/.hidden', '/a%20b', '/-/package/UPPER/dist-tags']) {
      const res = await r.call('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.code).toBe('PACKAGE_NAME_INVALID');
    }
  });
});
