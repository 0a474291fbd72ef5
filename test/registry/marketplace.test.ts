import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, publish, startRegistry, type RunningRegistry } from './helpers.ts';

let r: RunningRegistry;
let alice: string;

beforeAll(async () => {
  r = await startRegistry();
  alice = await r.user('alice');
  const published = [
    await publish(r, alice, { name: 'poster', version: '1.0.0', description: 'Writes social media posts', keywords: ['social'], readme: '# Poster\n', changelog: '## 1.0.0\n- first\n' }),
    await publish(r, alice, { name: 'poster', version: '1.2.0', description: 'Writes social media posts', keywords: ['social'], hostRange: '^1.2.0', readme: '# Poster 1.2\n', changelog: '## 1.2.0\n- faster\n' }),
    await publish(r, alice, { name: 'painter', version: '0.1.0', description: 'Paints a canvas', dependencies: { poster: '^1.0.0' } }),
  ];
  for (const res of published) expect(res.status).toBe(201);
});
afterAll(() => r.close());

describe('marketplace API', () => {
  it('lists plugins with their manifests in brief', async () => {
    const res = await r.call('GET', '/api/v1/packages');
    expect(res.body.total).toBe(2);
    const poster = res.body.packages.find((p: { name: string }) => p.name === 'poster');
    expect(poster).toMatchObject({
      name: 'poster',
      description: 'Writes social media posts',
      latest: '1.2.0',
      keywords: ['social'],
      hostRange: '^1.2.0',
      agents: [{ type: 'greeter', description: expect.any(String), capabilities: ['greet', 'count'] }],
      workflows: [],
      permissions: { kv: true },
      owners: ['alice'],
      downloads: 0,
      deprecated: null,
    });
    const painter = res.body.packages.find((p: { name: string }) => p.name === 'painter');
    expect(painter.dependencies).toEqual({ poster: '^1.0.0' });
  });

  it('searches name, description, keywords and agents; pages', async () => {
    const names = async (q: string) => (await r.call('GET', `/api/v1/packages?q=${encodeURIComponent(q)}`)).body.packages.map((p: { name: string }) => p.name);
    expect(await names('canvas')).toEqual(['painter']);
    expect(await names('social posts')).toEqual(['poster']);
    expect(await names('greeter')).toEqual(expect.arrayContaining(['painter', 'poster']));
    expect(await names('nothing-like-this')).toEqual([]);
    expect(await names('100%_')).toEqual([]);
    const page = await r.call('GET', '/api/v1/packages?limit=1&offset=1');
    expect(page.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(page.body.packages).toHaveLength(1);
    expect((await r.call('GET', '/api/v1/packages?limit=0')).body.code).toBe('REQUEST_INVALID');
  });

  it('one plugin: versions with dates, README and CHANGELOG', async () => {
    const res = await r.call('GET', '/api/v1/packages/poster');
    expect(res.body.readme).toBe('# Poster 1.2\n');
    expect(res.body.changelog).toBe('## 1.2.0\n- faster\n');
    expect(res.body.versions.map((v: { version: string }) => v.version)).toEqual(['1.2.0', '1.0.0']);
    expect(res.body.versions[0]).toMatchObject({ version: '1.2.0', publisher: 'alice', hostRange: '^1.2.0', tags: ['latest'], deprecated: null, yanked: null, downloads: 0 });
    expect(Date.parse(res.body.versions[1].publishedAt)).toBeLessThanOrEqual(Date.parse(res.body.versions[0].publishedAt));
    const v1 = await r.call('GET', '/api/v1/packages/poster/versions/1.0.0');
    expect(v1.body).toMatchObject({ name: 'poster', version: '1.0.0', readme: '# Poster\n', changelog: '## 1.0.0\n- first\n', manifest: { name: 'poster', version: '1.0.0' } });
    expect(v1.body.signatures.npm).toHaveLength(1);
    expect((await r.call('GET', '/api/v1/packages/absent')).body.code).toBe('PACKAGE_NOT_FOUND');
  });

  it('counts tarball downloads per version and day', async () => {
    for (let i = 0; i < 3; i++) expect((await r.call('GET', '/poster/-/poster-1.2.0.tgz')).status).toBe(200);
    await r.call('GET', '/poster/-/poster-1.0.0.tgz');
    const counts = (await r.call('GET', '/api/v1/packages/poster/downloads')).body;
    expect(counts).toMatchObject({ name: 'poster', total: 4, versions: { '1.0.0': 1, '1.2.0': 3 } });
    expect(counts.days).toEqual([{ day: new Date().toISOString().slice(0, 10), count: 4 }]);
    expect((await r.call('GET', '/api/v1/packages/poster')).body.downloads).toBe(4);
    // HEAD is not a download, and a missing tarball counts nothing.
    expect((await r.call('HEAD', '/poster/-/poster-1.2.0.tgz')).status).toBe(200);
    await r.call('GET', '/poster/-/poster-9.0.0.tgz');
    expect((await r.call('GET', '/api/v1/packages/poster/downloads')).body.total).toBe(4);
  });

  it('shows deprecation', async () => {
    const doc = (await r.call('GET', '/poster?write=true', { token: alice })).body;
    doc.versions['1.0.0'].deprecated = 'upgrade to 1.2';
    await r.call('PUT', '/poster', { token: alice, body: doc });
    const versions = (await r.call('GET', '/api/v1/packages/poster')).body.versions;
    expect(versions.find((v: { version: string }) => v.version === '1.0.0').deprecated).toBe('upgrade to 1.2');
  });

  it('npm search answers in npm format', async () => {
    const res = await r.call('GET', '/-/v1/search?text=poster&size=5&from=0');
    expect(res.body.total).toBe(1);
    expect(res.body.objects[0]).toMatchObject({
      package: { name: 'poster', version: '1.2.0', description: 'Writes social media posts', keywords: ['social'], publisher: { username: 'alice' }, maintainers: [{ username: 'alice' }] },
      score: { final: expect.any(Number) },
    });
  });
});

describe('yank (admin)', () => {
  it('only the admin token yanks and unyanks', async () => {
    const path = '/api/v1/packages/poster/versions/1.0.0/yank';
    expect((await r.call('POST', path)).body.code).toBe('AUTH_REQUIRED');
    expect((await r.call('POST', path, { token: alice })).body.code).toBe('FORBIDDEN');
    expect((await r.call('POST', '/api/v1/packages/poster/versions/7.0.0/yank', { token: ADMIN_TOKEN })).body.code).toBe('VERSION_NOT_FOUND');
    // A tag is not a version: yank names one number.
    expect((await r.call('POST', '/api/v1/packages/poster/versions/latest/yank', { token: ADMIN_TOKEN })).body.code).toBe('VERSION_NOT_FOUND');

    const yanked = await r.call('POST', path, { token: ADMIN_TOKEN, body: { reason: 'leaks tokens' } });
    expect(yanked.status).toBe(200);
    expect(yanked.body).toMatchObject({ name: 'poster', version: '1.0.0', yanked: { at: expect.any(String), reason: 'leaks tokens' } });

    const full = (await r.call('GET', '/poster')).body;
    expect(full.versions['1.0.0']['easel:yanked']).toMatchObject({ reason: 'leaks tokens' });
    expect(full.versions['1.2.0']['easel:yanked']).toBeUndefined();
    const abbreviated = (await r.call('GET', '/poster', { headers: { accept: 'application/vnd.npm.install-v1+json' } })).body;
    expect(abbreviated.versions['1.0.0']['easel:yanked']).toMatchObject({ reason: 'leaks tokens' });
    // Still downloadable: installs that pinned it keep working.
    expect((await r.call('GET', '/poster/-/poster-1.0.0.tgz')).status).toBe(200);
    expect((await r.call('GET', '/api/v1/packages/poster/versions/1.0.0')).body.yanked.reason).toBe('leaks tokens');

    const unyanked = await r.call('POST', '/api/v1/packages/poster/versions/1.0.0/unyank', { token: ADMIN_TOKEN });
    expect(unyanked.body.yanked).toBeNull();
    expect((await r.call('GET', '/poster')).body.versions['1.0.0']['easel:yanked']).toBeUndefined();
  });

  it('yank without a body', async () => {
    const res = await r.call('POST', '/api/v1/packages/painter/versions/0.1.0/yank', { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    expect(res.body.yanked).toMatchObject({ reason: '' });
  });
});
