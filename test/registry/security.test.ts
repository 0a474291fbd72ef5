/** Fixes of the security review: read costs, caps, publish concurrency, admin rotation, logs, file modes. */
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_BUNDLE_LIMITS } from '@easel/sdk/bundle';
import { buildRegistry, loadConfig, type Registry } from '../../registry/src/index.ts';
import { bundle, publish, publishBody, startRegistry, type RunningRegistry } from './helpers.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function running(overrides: Parameters<typeof startRegistry>[0] = {}): Promise<RunningRegistry> {
  const r = await startRegistry(overrides);
  cleanups.push(() => r.close());
  return r;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'easel-registry-sec-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** buildRegistry on `dataDir` (kept across restarts), log lines collected. */
async function build(dataDir: string, overrides: Record<string, unknown> = {}): Promise<{ registry: Registry; logs: string[] }> {
  const logs: string[] = [];
  const config = loadConfig({}, { dataDir, port: 0, logLevel: 'info', ...overrides });
  const registry = await buildRegistry(config, { logStream: { write: (line: string) => void logs.push(line) } });
  return { registry, logs };
}

/**
 * Downloads go through inject: a keep-alive connection whose streamed tarball response is
 * still ending when the app closes keeps `app.close()` waiting for the keep-alive timeout.
 */
const download = (r: RunningRegistry, url: string) => r.registry.app.inject({ method: 'GET', url });

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('reads stay cheap', () => {
  it('version lists carry no README/CHANGELOG; downloads read one version row; packuments read only the latest README', async () => {
    const r = await running();
    const alice = await r.user('alice');
    const big = 'x'.repeat(200 * 1024);
    expect((await publish(r, alice, { name: 'texts', version: '1.0.0', readme: `# old\n${big}`, changelog: big })).status).toBe(201);
    expect((await publish(r, alice, { name: 'texts', version: '1.1.0', readme: '# new\n', changelog: '## 1.1.0\n' })).status).toBe(201);

    const pkg = await r.registry.store.packages.get('texts');
    for (const v of pkg!.versions) {
      expect(v).not.toHaveProperty('readme');
      expect(v).not.toHaveProperty('changelog');
    }

    const packages = r.registry.store.packages;
    const get = vi.spyOn(packages, 'get');
    const texts = vi.spyOn(packages, 'texts');
    expect((await download(r, '/texts/-/texts-1.0.0.tgz')).statusCode).toBe(200);
    expect(get).not.toHaveBeenCalled();
    expect(texts).not.toHaveBeenCalled();
    expect((await download(r, '/texts/-/texts-9.9.9.tgz')).json().code).toBe('TARBALL_NOT_FOUND');

    const doc = (await r.call('GET', '/texts')).body;
    expect(doc.readme).toBe('# new\n');
    expect(JSON.stringify(doc)).not.toContain('# old');
    expect(texts.mock.calls).toEqual([['texts', '1.1.0']]);
    texts.mockClear();
    await r.call('GET', '/texts', { headers: { accept: 'application/vnd.npm.install-v1+json' } });
    await r.call('GET', '/-/v1/search?text=texts');
    await r.call('GET', '/api/v1/packages?q=texts');
    expect(texts).not.toHaveBeenCalled();

    // Served where they belong: the marketplace detail views.
    expect((await r.call('GET', '/api/v1/packages/texts')).body).toMatchObject({ readme: '# new\n', changelog: '## 1.1.0\n' });
    expect((await r.call('GET', '/api/v1/packages/texts/versions/1.0.0')).body.changelog).toBe(big);
  });

  it('an unpublished version is not downloadable', async () => {
    const r = await running();
    const alice = await r.user('alice');
    await publish(r, alice, { name: 'gone', version: '1.0.0' });
    await publish(r, alice, { name: 'gone', version: '1.1.0' });
    const { _rev } = (await r.call('GET', '/gone?write=true', { token: alice })).body;
    expect((await r.call('DELETE', `/gone/-/gone-1.1.0.tgz/-rev/${_rev}`, { token: alice })).status).toBe(201);
    expect((await download(r, '/gone/-/gone-1.0.0.tgz')).statusCode).toBe(200);
    expect((await download(r, '/gone/-/gone-1.1.0.tgz')).json().code).toBe('TARBALL_NOT_FOUND');
  });
});

describe('caps per package', () => {
  it('dist-tags: refused past EASEL_REGISTRY_MAX_DIST_TAGS at publish and at dist-tag add', async () => {
    const r = await running({ maxDistTags: 2 });
    const alice = await r.user('alice');
    expect((await publish(r, alice, { name: 'tagged', version: '1.0.0' })).status).toBe(201);
    const tag = (name: string, version: string) => r.call('PUT', `/-/package/tagged/dist-tags/${name}`, { token: alice, raw: JSON.stringify(version) });
    expect((await tag('beta', '1.0.0')).status).toBe(201);
    const over = await tag('rc', '1.0.0');
    expect(over.status).toBe(400);
    expect(over.body.code).toBe('DIST_TAG_LIMIT');
    // Moving an existing tag is no new tag.
    expect((await tag('beta', '1.0.0')).status).toBe(201);

    const next = await publish(r, alice, { name: 'tagged', version: '1.1.0', tag: 'next' });
    expect(next.body.code).toBe('DIST_TAG_LIMIT');
    expect((await publish(r, alice, { name: 'tagged', version: '1.1.0', tag: 'beta' })).status).toBe(201);

    // A body setting more tags than allowed is refused while parsing.
    const tgz = await bundle({ name: 'many', version: '1.0.0' });
    const body = { ...publishBody('many', '1.0.0', tgz), 'dist-tags': { latest: '1.0.0', a: '1.0.0', b: '1.0.0' } };
    const res = await r.call('PUT', '/many', { token: alice, body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('DIST_TAG_LIMIT');
    expect((await r.call('GET', '/-/package/tagged/dist-tags')).body).toEqual({ latest: '1.0.0', beta: '1.1.0' });
  });

  it('versions: refused past EASEL_REGISTRY_MAX_VERSIONS, tombstones counted', async () => {
    const r = await running({ maxVersions: 2 });
    const alice = await r.user('alice');
    expect((await publish(r, alice, { name: 'capped', version: '1.0.0' })).status).toBe(201);
    expect((await publish(r, alice, { name: 'capped', version: '1.1.0' })).status).toBe(201);
    const { _rev } = (await r.call('GET', '/capped?write=true', { token: alice })).body;
    expect((await r.call('DELETE', `/capped/-/capped-1.1.0.tgz/-rev/${_rev}`, { token: alice })).status).toBe(201);
    const res = await publish(r, alice, { name: 'capped', version: '1.2.0' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('VERSION_LIMIT');
    expect(Object.keys((await r.call('GET', '/capped')).body.versions)).toEqual(['1.0.0']);
  });
});

describe('publish memory', () => {
  it('refuses publishes past EASEL_REGISTRY_MAX_CONCURRENT_PUBLISHES before reading the body, and frees the slot on abort', async () => {
    const r = await running({ maxConcurrentPublishes: 1 });
    const alice = await r.user('alice');
    const { port } = new URL(r.url);
    // A publish whose body never finishes: it holds the only slot.
    const slow = httpRequest({ host: '127.0.0.1', port, method: 'PUT', path: '/slow', headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json', 'content-length': '1000000' } });
    slow.on('error', () => {});
    slow.write('{"name":"slow",');

    let busy;
    for (let i = 0; i < 100; i++) {
      busy = await publish(r, alice, { name: 'quick', version: '1.0.0' });
      if (busy.status === 503) break;
      await new Promise((done) => setTimeout(done, 20));
    }
    expect(busy!.status).toBe(503);
    expect(busy!.body.code).toBe('PUBLISH_BUSY');
    expect(Number(busy!.headers.get('retry-after'))).toBeGreaterThan(0);
    // Reads are not limited.
    expect((await r.call('GET', '/-/ping')).status).toBe(200);

    slow.destroy();
    let after;
    for (let i = 0; i < 100; i++) {
      after = await publish(r, alice, { name: 'quick', version: '1.0.0' });
      if (after.status !== 503) break;
      await new Promise((done) => setTimeout(done, 20));
    }
    expect(after!.status).toBe(201);
    // Finished publishes free their slot as well.
    expect((await publish(r, alice, { name: 'quick', version: '1.0.1' })).status).toBe(201);
  });

  it('refuses base64 longer than the bundle cap allows before decoding it', async () => {
    const r = await running();
    const alice = await r.user('alice');
    const tgz = await bundle({ name: 'huge', version: '1.0.0' });
    const body = publishBody('huge', '1.0.0', tgz);
    const key = 'huge-1.0.0.tgz';
    // Valid base64 (zero bytes), one block over the cap; dist.integrity names the small tarball, so
    // decoding first would answer INTEGRITY_MISMATCH.
    const data = 'A'.repeat(Math.ceil(DEFAULT_BUNDLE_LIMITS.maxBytes / 3) * 4 + 4);
    const res = await r.call('PUT', '/huge', { token: alice, body: { ...body, _attachments: { [key]: { ...body._attachments[key], data, length: undefined } } } });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('BUNDLE_TOO_LARGE');
  });
});

describe('admin token rotation', () => {
  it('a new EASEL_REGISTRY_ADMIN_TOKEN revokes the previous one (and a generated one)', async () => {
    const dataDir = await tempDir();
    const whoami = async (registry: Registry, token: string) => (await registry.app.inject({ method: 'GET', url: '/-/whoami', headers: { authorization: `Bearer ${token}` } })).statusCode;

    const generated = await build(dataDir, { logLevel: 'silent' });
    const first = generated.registry.generatedAdminToken!;
    expect(await whoami(generated.registry, first)).toBe(200);
    await generated.registry.app.close();

    const A = 'admin-token-A-0123456789abcdef';
    const B = 'admin-token-B-0123456789abcdef';
    const withA = await build(dataDir, { logLevel: 'silent', adminToken: A });
    expect(await whoami(withA.registry, A)).toBe(200);
    expect(await whoami(withA.registry, first)).toBe(401);
    await withA.registry.app.close();

    const withB = await build(dataDir, { logLevel: 'silent', adminToken: B });
    expect(await whoami(withB.registry, B)).toBe(200);
    expect(await whoami(withB.registry, A)).toBe(401);
    await withB.registry.app.close();

    // Rotating back makes A valid again.
    const backToA = await build(dataDir, { logLevel: 'silent', adminToken: A });
    expect(await whoami(backToA.registry, A)).toBe(200);
    expect(await whoami(backToA.registry, B)).toBe(401);
    await backToA.registry.app.close();
  });
});

describe('logs', () => {
  it('never carry a token: DELETE /-/user/token/:token, DELETE /-/npm/v1/tokens/token/:key, token creation', async () => {
    const dataDir = await tempDir();
    const { registry, logs } = await build(dataDir, { adminToken: 'admin-token-logs-0123456789abcdef' });
    cleanups.push(() => registry.app.close());
    const password = 'correct horse battery';
    const login = await registry.app.inject({ method: 'PUT', url: '/-/user/org.couchdb.user:alice', payload: { name: 'alice', password } });
    const token = login.json().token as string;
    const res = await registry.app.inject({ method: 'DELETE', url: `/-/user/token/${token}`, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    const basic = `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`;
    const made = await registry.app.inject({ method: 'POST', url: '/-/npm/v1/tokens', headers: { authorization: basic } });
    const other = (await registry.app.inject({ method: 'POST', url: '/-/npm/v1/tokens', headers: { authorization: basic } })).json().token as string;
    expect(made.statusCode).toBe(201);
    // npm token revoke sends the token itself when it was given one.
    const revoke = await registry.app.inject({ method: 'DELETE', url: `/-/npm/v1/tokens/token/${other}`, headers: { authorization: `Bearer ${made.json().token}` } });
    expect(revoke.statusCode).toBe(204);
    const text = logs.join('');
    expect(text).toContain('/-/user/token/[redacted]');
    expect(text).toContain('/-/npm/v1/tokens/token/[redacted]');
    for (const secret of [token, made.json().token, other, password, basic.slice(6)]) expect(text).not.toContain(secret);
  });
});

describe('file modes', () => {
  it('tightens a pre-existing data dir and database at start', async () => {
    const dataDir = join(await tempDir(), 'data');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    const first = await build(dataDir, { logLevel: 'silent' });
    expect(await mode(dataDir)).toBe(0o700);
    for (const file of ['registry.db', 'registry.db-wal', 'registry.db-shm']) {
      const path = join(dataDir, file);
      if (await stat(path).catch(() => undefined)) expect(await mode(path)).toBe(0o600);
    }
    await first.registry.app.close();

    await chmod(dataDir, 0o755);
    await chmod(join(dataDir, 'registry.db'), 0o644);
    const second = await build(dataDir, { logLevel: 'silent' });
    cleanups.push(() => second.registry.app.close());
    expect(await mode(dataDir)).toBe(0o700);
    expect(await mode(join(dataDir, 'registry.db'))).toBe(0o600);
  });

  it('warns when an operator-supplied signing key is readable by group or others', async () => {
    const dir = await tempDir();
    const keyFile = join(dir, 'signing.pem');
    await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    await chmod(keyFile, 0o644);
    const loose = await build(join(dir, 'a'), { logLevel: 'warn', signingKeyFile: keyFile });
    await loose.registry.app.close();
    expect(loose.logs.join('')).toContain('signing key file is readable by group or others');

    await chmod(keyFile, 0o600);
    const tight = await build(join(dir, 'b'), { logLevel: 'warn', signingKeyFile: keyFile });
    await tight.registry.app.close();
    expect(tight.logs.join('')).not.toContain('signing key file');
  });
});
