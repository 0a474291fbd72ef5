import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, sri, startRegistry, type RunningRegistry } from './helpers.ts';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

let r: RunningRegistry;
let alice: string;
let bob: string;

beforeAll(async () => {
  r = await startRegistry();
  [alice, bob] = await Promise.all([r.user('alice'), r.user('bob')]);
  expect((await publish(r, alice, { name: 'widget', version: '1.0.0', readme: '# Widget\n' })).status).toBe(201);
  expect((await publish(r, alice, { name: 'widget', version: '1.1.0', dependencies: { hello: '^1.0.0' } })).status).toBe(201);
  expect((await publish(r, alice, { name: 'widget', version: '2.0.0-beta.1', tag: 'next' })).status).toBe(201);
});
afterAll(() => r.close());

describe('packuments', () => {
  it('full: every field npm view and install read', async () => {
    const res = await r.call('GET', '/widget', { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = res.body;
    expect(doc).toMatchObject({ _id: 'widget', name: 'widget', 'dist-tags': { latest: '1.1.0', next: '2.0.0-beta.1' }, maintainers: [{ name: 'alice', email: '' }] });
    expect(doc._rev).toMatch(/^\d+-[0-9a-f]{16}$/);
    expect(Object.keys(doc.versions)).toEqual(['1.0.0', '1.1.0', '2.0.0-beta.1']);
    expect(Object.keys(doc.time)).toEqual(['created', 'modified', '1.0.0', '1.1.0', '2.0.0-beta.1']);
    expect(doc.versions['1.1.0'].dependencies).toEqual({ hello: '^1.0.0' });
    expect(doc.versions['1.1.0'].easel.agents[0].type).toBe('greeter');
    expect(doc.versions['1.0.0'].dist['easel:statement']).toEqual(expect.any(String));
  });

  it('abbreviated: only the install fields, its own content type', async () => {
    const res = await r.call('GET', '/widget', { headers: { accept: `${ABBREVIATED}; q=1.0, application/json; q=0.8, */*` } });
    expect(res.headers.get('content-type')).toMatch(/^application\/vnd\.npm\.install-v1\+json/);
    expect(res.headers.get('vary')).toMatch(/accept/i);
    const doc = res.body;
    expect(Object.keys(doc).sort()).toEqual(['dist-tags', 'modified', 'name', 'versions']);
    const v = doc.versions['1.1.0'];
    expect(Object.keys(v).sort()).toEqual(['dependencies', 'dist', 'engines', 'name', 'version']);
    expect(v.dist).toMatchObject({ integrity: expect.stringMatching(/^sha512-/), tarball: `${r.url}/widget/-/widget-1.1.0.tgz`, signatures: [expect.any(Object)] });
    // ?write=true (npm's edits) always gets the full document.
    const write = await r.call('GET', '/widget?write=true', { headers: { accept: ABBREVIATED } });
    expect(write.body._rev).toEqual(expect.any(String));
  });

  it('one version by number or by tag', async () => {
    expect((await r.call('GET', '/widget/1.0.0')).body.version).toBe('1.0.0');
    expect((await r.call('GET', '/widget/next')).body.version).toBe('2.0.0-beta.1');
    expect((await r.call('GET', '/widget/9.9.9')).body.code).toBe('VERSION_NOT_FOUND');
    expect((await r.call('GET', '/nothing-here')).body).toMatchObject({ code: 'PACKAGE_NOT_FOUND', error: 'no package nothing-here in this registry' });
  });

  it('tarballs: served by file name, 404 for other names', async () => {
    const doc = (await r.call('GET', '/widget')).body;
    const tgz = await r.call('GET', '/widget/-/widget-1.0.0.tgz');
    expect(tgz.headers.get('content-type')).toBe('application/octet-stream');
    expect(sri(tgz.body)).toBe(doc.versions['1.0.0'].dist.integrity);
    for (const file of ['widget-3.0.0.tgz', 'other-1.0.0.tgz', 'widget-1.0.0.tar']) {
      expect((await r.call('GET', `/widget/-/${file}`)).body.code).toBe('TARBALL_NOT_FOUND');
    }
  });

  it('scoped names: @scope%2fname, @scope%2Fname and @scope/name reach the same package', async () => {
    // Plugin names are unscoped, so a scoped package cannot come from a valid bundle; it is
    // put in the store directly to check the routing npm depends on.
    const pkg = (await r.registry.store.packages.get('widget'))!;
    const v = pkg.versions[0]!;
    const name = '@acme/widget';
    await r.registry.store.packages.publish({ ...v, name, doc: { ...v.doc, name, _id: `${name}@1.0.0` } }, ['latest'], 'alice');
    for (const path of ['/@acme%2fwidget', '/@acme%2Fwidget', '/@acme/widget']) {
      const res = await r.call('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.body.name).toBe(name);
      expect(res.body.versions['1.0.0'].dist.tarball).toBe(`${r.url}/@acme/widget/-/widget-1.0.0.tgz`);
    }
    for (const path of ['/@acme/widget/-/widget-1.0.0.tgz', '/@acme%2fwidget/-/widget-1.0.0.tgz']) {
      expect(sri((await r.call('GET', path)).body)).toBe(v.integrity);
    }
    for (const path of ['/-/package/@acme%2fwidget/dist-tags', '/-/package/@acme/widget/dist-tags']) {
      expect((await r.call('GET', path)).body).toEqual({ latest: '1.0.0' });
    }
    expect((await r.call('GET', '/api/v1/packages/@acme/widget')).body.name).toBe(name);
    expect((await r.call('GET', '/@acme%2fother')).body.code).toBe('PACKAGE_NOT_FOUND');
  });
});

describe('dist-tags', () => {
  it('add, list, remove; latest protected; tags must be names, versions must exist', async () => {
    const put = await r.call('PUT', '/-/package/widget/dist-tags/stable', { token: alice, raw: JSON.stringify('1.0.0') });
    expect(put.status).toBe(201);
    expect((await r.call('GET', '/-/package/widget/dist-tags')).body).toEqual({ latest: '1.1.0', next: '2.0.0-beta.1', stable: '1.0.0' });
    expect((await r.call('PUT', '/-/package/widget/dist-tags/stable', { token: bob, raw: '"1.1.0"' })).body.code).toBe('NOT_OWNER');
    expect((await r.call('PUT', '/-/package/widget/dist-tags/^1.0.0', { token: alice, raw: '"1.0.0"' })).body.code).toBe('DIST_TAG_INVALID');
    expect((await r.call('PUT', '/-/package/widget/dist-tags/old', { token: alice, raw: '"0.1.0"' })).body.code).toBe('DIST_TAG_INVALID');
    expect((await r.call('DELETE', '/-/package/widget/dist-tags/latest', { token: alice })).body.code).toBe('DIST_TAG_PROTECTED');
    expect((await r.call('DELETE', '/-/package/widget/dist-tags/nope', { token: alice })).body.code).toBe('DIST_TAG_NOT_FOUND');
    expect((await r.call('DELETE', '/-/package/widget/dist-tags/stable', { token: alice })).status).toBe(200);
    expect((await r.call('GET', '/-/package/widget/dist-tags')).body.stable).toBeUndefined();
  });
});

describe('deprecate (PUT /:name without attachments)', () => {
  it('patches versions[*].deprecated only', async () => {
    const doc = (await r.call('GET', '/widget?write=true', { token: alice })).body;
    const original = doc.versions['1.0.0'];
    doc.versions['1.0.0'].deprecated = 'use 1.1';
    // Everything else in the body is ignored: no rewriting dist or dependencies this way.
    doc.versions['1.0.0'].dist.tarball = 'http://evil.example/x.tgz';
    doc.versions['1.0.0'].dependencies = { evil: '*' };
    doc.versions['9.9.9'] = { ...original, version: '9.9.9' };
    doc['dist-tags'].latest = '1.0.0';
    expect((await r.call('PUT', '/widget', { token: bob, body: doc })).body.code).toBe('NOT_OWNER');
    expect((await r.call('PUT', '/widget', { token: alice, body: doc })).status).toBe(200);

    const after = (await r.call('GET', '/widget')).body;
    expect(after.versions['1.0.0'].deprecated).toBe('use 1.1');
    expect(after.versions['1.0.0'].dist.tarball).toBe(`${r.url}/widget/-/widget-1.0.0.tgz`);
    expect(after.versions['1.0.0'].dependencies).toEqual({});
    expect(after.versions['9.9.9']).toBeUndefined();
    expect(after['dist-tags'].latest).toBe('1.1.0');
    expect(after.versions['1.1.0'].deprecated).toBeUndefined();

    after.versions['1.0.0'].deprecated = '';
    expect((await r.call('PUT', '/widget', { token: alice, body: after })).status).toBe(200);
    expect((await r.call('GET', '/widget')).body.versions['1.0.0'].deprecated).toBeUndefined();
  });
});

describe('unpublish', () => {
  it('one version (npm: PUT -rev without it, then DELETE the tarball), with revision checks', async () => {
    await publish(r, alice, { name: 'gadget', version: '1.0.0' });
    await publish(r, alice, { name: 'gadget', version: '1.1.0' });
    const doc = (await r.call('GET', '/gadget?write=true', { token: alice })).body;
    delete doc.versions['1.1.0'];
    delete doc['dist-tags'].latest;

    expect((await r.call('PUT', `/gadget/-rev/${doc._rev}`, { token: bob, body: doc })).body.code).toBe('NOT_OWNER');
    expect((await r.call('PUT', '/gadget/-rev/1-stale', { token: alice, body: doc })).body.code).toBe('REVISION_CONFLICT');
    expect((await r.call('PUT', `/gadget/-rev/${doc._rev}`, { token: alice, body: doc })).status).toBe(201);
    // The revision moved on: an edit based on the old document is refused.
    expect((await r.call('PUT', `/gadget/-rev/${doc._rev}`, { token: alice, body: doc })).body.code).toBe('REVISION_CONFLICT');

    const after = (await r.call('GET', '/gadget?write=true', { token: alice })).body;
    expect(Object.keys(after.versions)).toEqual(['1.0.0']);
    expect(after['dist-tags']).toEqual({ latest: '1.0.0' });
    expect((await r.call('GET', '/gadget/-/gadget-1.1.0.tgz')).body.code).toBe('TARBALL_NOT_FOUND');
    expect((await r.call('DELETE', `/gadget/-/gadget-1.1.0.tgz/-rev/${after._rev}`, { token: alice })).status).toBe(201);
    expect((await r.call('DELETE', `/gadget/-/gadget-7.0.0.tgz/-rev/${after._rev}`, { token: alice })).body.code).toBe('TARBALL_NOT_FOUND');
    expect((await r.call('GET', '/gadget')).body.time['1.1.0']).toEqual(expect.any(String));
  });
});
