/**
 * npm's token API over plain HTTP: a first token with one Basic-auth request, tokens listed
 * by key and revoked, read-only tokens that never write, address lists, expiry, and the
 * limit on wrong passwords per user name and per client address.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ADMIN_TOKEN, bundle, PASSWORD, publish, publishBody, startRegistry, type RunningRegistry } from './helpers.ts';
import { NpmCli } from './npm-cli.ts';

const basic = (name: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}` });
const sha512 = (text: string) => createHash('sha512').update(text).digest('hex');

/** POST /-/npm/v1/tokens with Basic credentials and an optional body: what one curl sends. */
function createToken(r: RunningRegistry, name: string, password: string, body?: unknown) {
  return r.call('POST', '/-/npm/v1/tokens', { headers: basic(name, password), ...(body === undefined ? {} : { body }) });
}

describe('the token API', () => {
  let r: RunningRegistry;

  beforeAll(async () => {
    r = await startRegistry();
    await r.user('alice');
    await r.user('bob');
  });
  afterAll(() => r.close());

  it('Basic name:password and no body gives a token in npm shape; only its key is stored', async () => {
    const res = await createToken(r, 'alice', PASSWORD);
    expect(res.status).toBe(201);
    const { token, key } = res.body;
    expect(res.body).toEqual({ token: expect.stringMatching(/^ereg_/), key: sha512(token), name: null, readonly: false, cidr_whitelist: null, created: expect.any(String) });
    expect((await r.call('GET', '/-/whoami', { token })).body).toEqual({ username: 'alice' });
    const db = await readFile(join(r.dataDir, 'registry.db'));
    const wal = await readFile(join(r.dataDir, 'registry.db-wal')).catch(() => Buffer.alloc(0));
    expect(Buffer.concat([db, wal]).includes(token)).toBe(false);
    expect(Buffer.concat([db, wal]).includes(key)).toBe(true);
  });

  it('a Bearer token plus the password in the body, as npm token create sends it', async () => {
    const bearer = await r.user('alice');
    const res = await r.call('POST', '/-/npm/v1/tokens', { token: bearer, body: { password: PASSWORD, name: 'ci', readonly: false, cidr_whitelist: [] } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'ci', readonly: false, cidr_whitelist: null });
    // npm 11 asks for read-only this way.
    const ro = await r.call('POST', '/-/npm/v1/tokens', { token: bearer, body: { password: PASSWORD, packages_and_scopes_permission: 'read-only' } });
    expect(ro.body.readonly).toBe(true);
  });

  it('refuses a wrong password (401 AUTH_INVALID), no credentials, the admin token and restrictions it cannot keep', async () => {
    const bearer = await r.user('alice');
    const refusals: [Promise<{ status: number; body: any }>, number, string][] = [
      [r.call('POST', '/-/npm/v1/tokens', { token: bearer, body: { password: 'not the password' } }), 401, 'AUTH_INVALID'],
      [r.call('POST', '/-/npm/v1/tokens', { token: bearer, body: {} }), 400, 'REQUEST_INVALID'],
      [createToken(r, 'alice', 'not the password'), 401, 'AUTH_INVALID'],
      [createToken(r, 'nobody', PASSWORD), 401, 'AUTH_INVALID'],
      [r.call('POST', '/-/npm/v1/tokens', { body: { password: PASSWORD } }), 401, 'AUTH_REQUIRED'],
      [r.call('POST', '/-/npm/v1/tokens', { token: 'ereg_bogus', body: { password: PASSWORD } }), 401, 'AUTH_INVALID'],
      [r.call('POST', '/-/npm/v1/tokens', { token: ADMIN_TOKEN, body: { password: PASSWORD } }), 403, 'FORBIDDEN'],
      [r.call('POST', '/-/npm/v1/tokens', { headers: { authorization: `Basic ${Buffer.from('alice').toString('base64')}` } }), 401, 'AUTH_INVALID'],
      [createToken(r, 'alice', PASSWORD, { packages: ['hello'] }), 400, 'REQUEST_INVALID'],
      [createToken(r, 'alice', PASSWORD, { orgs_permission: 'read-only' }), 400, 'REQUEST_INVALID'],
      [createToken(r, 'alice', PASSWORD, { packages_and_scopes_permission: 'no-access' }), 400, 'REQUEST_INVALID'],
      [createToken(r, 'alice', PASSWORD, { cidr_whitelist: ['10.0.0.0/33'] }), 400, 'REQUEST_INVALID'],
      [createToken(r, 'alice', PASSWORD, { expires: 0 }), 400, 'REQUEST_INVALID'],
      [createToken(r, 'alice', PASSWORD, { surprise: true }), 400, 'REQUEST_INVALID'],
    ];
    for (const [call, status, code] of refusals) {
      const res = await call;
      expect([res.status, res.body.code]).toEqual([status, code]);
      expect(JSON.stringify(res.body)).not.toMatch(/ereg_[A-Za-z0-9_-]{20}/);
    }
  });

  it('GET /-/npm/v1/tokens lists your live tokens by key, never the token, with npm pagination', async () => {
    await r.user('carol');
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await createToken(r, 'carol', PASSWORD, { name: `t${i}` })).body);
    const caller = made[0].token;
    const all = await r.call('GET', '/-/npm/v1/tokens', { token: caller });
    // The legacy login's token too: four in all.
    expect(all.body.total).toBe(4);
    expect(all.body.urls).toEqual({});
    for (const t of made) expect(all.body.objects).toContainEqual({ key: t.key, token: 'ereg_', name: t.name, readonly: false, cidr_whitelist: null, created: t.created });
    for (const t of made) expect(JSON.stringify(all.body)).not.toContain(t.token);
    // Only carol's.
    expect(all.body.objects.every((o: { key: string }) => o.key !== sha512(ADMIN_TOKEN))).toBe(true);

    const pages = [];
    let next: string | undefined = '/-/npm/v1/tokens?perPage=3';
    while (next) {
      const page: { body: any } = await r.call('GET', next.replace(r.url, ''), { token: caller });
      pages.push(page.body.objects.length);
      next = page.body.urls.next;
    }
    expect(pages).toEqual([3, 1]);
    expect((await r.call('GET', '/-/npm/v1/tokens', { token: ADMIN_TOKEN })).body.code).toBe('FORBIDDEN');
    expect((await r.call('GET', '/-/npm/v1/tokens')).body.code).toBe('AUTH_REQUIRED');
  });

  it('a read-only token reads but never publishes, deprecates, unpublishes, tags or changes owners (403 TOKEN_READ_ONLY)', async () => {
    const writer = await r.user('alice');
    expect((await publish(r, writer, { name: 'hello', version: '1.0.0' })).status).toBe(201);
    const readonly = (await createToken(r, 'alice', PASSWORD, { readonly: true })).body.token;
    expect((await r.call('GET', '/hello', { token: readonly })).status).toBe(200);
    expect((await r.call('GET', '/-/whoami', { token: readonly })).body.username).toBe('alice');
    expect((await r.call('GET', '/-/npm/v1/tokens', { token: readonly })).status).toBe(200);

    const rev = (await r.call('GET', '/hello?write=true')).body._rev;
    const writes: [string, string, unknown?][] = [
      ['PUT', '/hello', publishBody('hello', '1.1.0', await bundle({ version: '1.1.0' }))],
      ['PUT', '/hello', { name: 'hello', versions: { '1.0.0': { deprecated: 'no' } } }],
      ['PUT', `/hello/-rev/${rev}`, { name: 'hello', versions: {} }],
      ['DELETE', `/hello/-rev/${rev}`],
      ['DELETE', `/hello/-/hello-1.0.0.tgz/-rev/${rev}`],
      ['PUT', '/-/package/hello/dist-tags/beta', '1.0.0'],
      ['DELETE', '/-/package/hello/dist-tags/latest'],
      ['PUT', '/api/v1/packages/hello/owners/bob'],
      ['DELETE', '/api/v1/packages/hello/owners/alice'],
      ['DELETE', `/-/npm/v1/tokens/token/${sha512(writer)}`],
    ];
    for (const [method, path, body] of writes) {
      const res = await r.call(method, path, { token: readonly, ...(body === undefined ? {} : { body }) });
      expect([method, path, res.status, res.body.code]).toEqual([method, path, 403, 'TOKEN_READ_ONLY']);
    }
    const pkg = (await r.call('GET', '/hello')).body;
    expect(Object.keys(pkg.versions)).toEqual(['1.0.0']);
    expect(pkg['dist-tags']).toEqual({ latest: '1.0.0' });
    expect(pkg.versions['1.0.0'].deprecated).toBeUndefined();
    expect(pkg.maintainers.map((m: { name: string }) => m.name)).toEqual(['alice']);
    expect((await r.call('GET', '/-/whoami', { token: writer })).status).toBe(200);
  });

  it('DELETE /-/npm/v1/tokens/token/:key revokes one of your tokens; a revoked token is refused on every route', async () => {
    const keep = (await createToken(r, 'alice', PASSWORD)).body.token;
    const { token: doomed, key } = (await createToken(r, 'alice', PASSWORD)).body;
    const bobs = (await createToken(r, 'bob', PASSWORD)).body;
    // Not yours: 404, and bob's token still works.
    expect((await r.call('DELETE', `/-/npm/v1/tokens/token/${bobs.key}`, { token: keep })).body.code).toBe('TOKEN_NOT_FOUND');
    expect((await r.call('GET', '/-/whoami', { token: bobs.token })).status).toBe(200);

    const res = await r.call('DELETE', `/-/npm/v1/tokens/token/${key}`, { token: keep });
    expect(res.status).toBe(204);
    const everywhere: [string, string, unknown?][] = [
      ['GET', '/-/whoami'],
      ['GET', '/hello'],
      ['GET', '/hello/-/hello-1.0.0.tgz'],
      ['GET', '/-/v1/search?text=hello'],
      ['GET', '/-/npm/v1/tokens'],
      ['POST', '/-/npm/v1/tokens', { password: PASSWORD }],
      ['PUT', '/hello', publishBody('hello', '1.2.0', await bundle({ version: '1.2.0' }))],
      ['PUT', '/-/package/hello/dist-tags/beta', '1.0.0'],
      ['DELETE', `/-/npm/v1/tokens/token/${sha512(keep)}`],
    ];
    for (const [method, path, body] of everywhere) {
      const out = await r.call(method, path, { token: doomed, ...(body === undefined ? {} : { body }) });
      expect([method, path, out.status, out.body?.code]).toEqual([method, path, 401, 'AUTH_INVALID']);
    }
    expect((await r.call('DELETE', `/-/npm/v1/tokens/token/${key}`, { token: keep })).body.code).toBe('TOKEN_NOT_FOUND');
    // Revoking by the token itself (what npm token revoke sends when given one); the admin revokes anyone's.
    expect((await r.call('DELETE', `/-/npm/v1/tokens/token/${keep}`, { token: keep })).status).toBe(204);
    expect((await r.call('GET', '/-/whoami', { token: keep })).status).toBe(401);
    expect((await r.call('DELETE', `/-/npm/v1/tokens/token/${bobs.key}`, { token: ADMIN_TOKEN })).status).toBe(204);
    expect((await r.call('GET', '/-/whoami', { token: bobs.token })).status).toBe(401);
  });

  it('a token with cidr_whitelist works only from those addresses (403 TOKEN_ADDRESS_DENIED)', async () => {
    const here = (await createToken(r, 'alice', PASSWORD, { cidr_whitelist: ['127.0.0.0/8'] })).body;
    expect(here.cidr_whitelist).toEqual(['127.0.0.0/8']);
    expect((await r.call('GET', '/-/whoami', { token: here.token })).status).toBe(200);
    const elsewhere = (await createToken(r, 'alice', PASSWORD, { cidr_whitelist: ['10.0.0.0/8', '2001:db8::/32'] })).body.token;
    for (const path of ['/-/whoami', '/hello']) {
      const res = await r.call('GET', path, { token: elsewhere });
      expect([res.status, res.body.code]).toEqual([403, 'TOKEN_ADDRESS_DENIED']);
    }
  });

  it('expires: days until the token is refused', async () => {
    const res = await createToken(r, 'alice', PASSWORD, { expires: 30 });
    const days = (Date.parse(res.body.expires) - Date.parse(res.body.created)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    expect((await r.call('GET', '/-/whoami', { token: res.body.token })).status).toBe(200);
    const { token } = await r.registry.store.tokens.issue('alice', { expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect((await r.call('GET', '/-/whoami', { token })).body.code).toBe('AUTH_INVALID');
  });
});

/** A request from another loopback address (Linux routes all of 127/8 to lo). */
function callFrom(localAddress: string, url: string, method: string, headers: Record<string, string>, body?: unknown) {
  return new Promise<{ status: number; body: any; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = httpRequest(url, { method, localAddress, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('wrong passwords are limited per user name and per client address', () => {
  const WINDOW_SECONDS = 60;
  let r: RunningRegistry;

  beforeAll(async () => {
    // A window no run of password checks outlasts, however slow the machine: its end is reached
    // by moving the clock, not by waiting.
    r = await startRegistry({ maxPasswordFailures: 3, passwordFailureWindowSeconds: WINDOW_SECONDS });
    for (const name of ['alice', 'bob', 'dave']) await r.user(name);
  });
  afterAll(() => r.close());

  const login = (name: string, password: string) => r.call('PUT', `/-/user/org.couchdb.user:${name}`, { body: { name, password } });

  it('right passwords do not count; past the limit every password check is 429 with Retry-After, the right password too, until the window ends', async () => {
    const issued = [];
    for (let i = 0; i < 5; i++) issued.push(await createToken(r, 'alice', PASSWORD));
    expect(issued.map((res) => res.status)).toEqual([201, 201, 201, 201, 201]);
    for (let i = 0; i < 3; i++) expect((await createToken(r, 'alice', `wrong ${i}`)).body.code).toBe('AUTH_INVALID');
    const limited = await createToken(r, 'alice', PASSWORD);
    expect([limited.status, limited.body.code]).toEqual([429, 'LOGIN_RATE_LIMITED']);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    // Every route that checks a password: legacy login and npm's second login step.
    expect((await login('alice', PASSWORD)).body.code).toBe('LOGIN_RATE_LIMITED');
    expect((await r.call('PUT', '/-/user/org.couchdb.user:alice/-rev/1-0', { headers: basic('alice', PASSWORD), body: {} })).body.code).toBe('LOGIN_RATE_LIMITED');
    // Per address: another user from the same address is limited as well.
    expect((await createToken(r, 'bob', PASSWORD)).body.code).toBe('LOGIN_RATE_LIMITED');
    // Per name: alice is limited from another address too; bob is not.
    const elsewhere = `${r.url}/-/npm/v1/tokens`;
    expect((await callFrom('127.0.0.2', elsewhere, 'POST', basic('alice', PASSWORD))).body.code).toBe('LOGIN_RATE_LIMITED');
    expect((await callFrom('127.0.0.2', elsewhere, 'POST', basic('bob', PASSWORD))).status).toBe(201);
    // Tokens issued before keep working.
    expect((await r.call('GET', '/-/whoami', { token: issued[0]!.body.token })).body.username).toBe('alice');

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + retryAfter * 1000 + 100 });
    try {
      expect((await createToken(r, 'alice', PASSWORD)).status).toBe(201);
    } finally {
      vi.useRealTimers();
    }
  });

  it('concurrent guesses cannot slip past the limit', async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => callFrom('127.0.0.3', `${r.url}/-/npm/v1/tokens`, 'POST', basic('dave', `guess ${i}`))));
    const codes = results.map((res) => res.body.code);
    expect(codes.filter((c) => c === 'AUTH_INVALID')).toHaveLength(3);
    expect(codes.filter((c) => c === 'LOGIN_RATE_LIMITED')).toHaveLength(9);
    expect(results.every((res) => res.status === 401 || (res.status === 429 && Number(res.headers['retry-after']) >= 1))).toBe(true);
  });
});

describe('tokens from a script, used by the real npm client', () => {
  let r: RunningRegistry;
  let npm: NpmCli;
  let token: string;

  beforeAll(async () => {
    r = await startRegistry();
    await r.user('alice');
    npm = await NpmCli.create(r.url);
  });
  afterAll(async () => {
    await npm?.close();
    await r?.close();
  });

  it('one request with Basic auth gives a token; written in .npmrc, npm publishes with it', async () => {
    // What `curl -u alice:… -X POST $REGISTRY/-/npm/v1/tokens` does.
    const res = await fetch(`${r.url}/-/npm/v1/tokens`, { method: 'POST', headers: basic('alice', PASSWORD) });
    expect(res.status).toBe(201);
    token = ((await res.json()) as { token: string }).token;
    await npm.setToken(token);
    expect((await npm.run(['whoami'])).stdout.trim()).toBe('alice');
    const file = join(npm.root, 'hello-1.0.0.tgz');
    await writeFile(file, await bundle());
    const published = await npm.run(['publish', file]);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain('+ hello@1.0.0');
  });

  it('npm token create (password on the command line, no terminal), list and revoke', async () => {
    const created = await npm.run(['token', 'create', '--password', PASSWORD, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const made = JSON.parse(created.stdout);
    expect(made).toMatchObject({ token: expect.stringMatching(/^ereg_/), readonly: false });
    expect((await r.call('GET', '/-/whoami', { token: made.token })).body.username).toBe('alice');

    const listed = await npm.run(['token', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const tokens = JSON.parse(listed.stdout) as { key: string; id: string; token: string }[];
    // The login's in beforeAll (r.user), the script's, and the one just made.
    expect(tokens).toHaveLength(3);
    expect(tokens.map((t) => t.key)).toEqual(expect.arrayContaining([sha512(token), sha512(made.token)]));
    expect(listed.stdout).not.toContain(made.token);
    expect(listed.stdout).not.toContain(token);

    const id = tokens.find((t) => t.key === sha512(made.token))!.id;
    const revoked = await npm.run(['token', 'revoke', id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('Removed 1 token');
    expect((await r.call('GET', '/-/whoami', { token: made.token })).body.code).toBe('AUTH_INVALID');
    expect((await npm.run(['whoami'])).stdout.trim()).toBe('alice');

    const wrong = await npm.run(['token', 'create', '--password', 'not the password']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('401');
  });

  it('a read-only token (npm token create --packages-and-scopes-permission read-only) installs but cannot publish', async () => {
    const created = await npm.run(['token', 'create', '--password', PASSWORD, '--packages-and-scopes-permission', 'read-only', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const readonly = JSON.parse(created.stdout);
    expect(readonly.readonly).toBe(true);

    const ci = await NpmCli.create(r.url);
    try {
      await ci.setToken(readonly.token);
      const view = await ci.run(['view', 'hello', 'version']);
      expect(view.stdout.trim()).toBe('1.0.0');
      const file = join(ci.root, 'hello-1.1.0.tgz');
      await writeFile(file, await bundle({ version: '1.1.0' }));
      const refused = await ci.run(['publish', file]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('403 Forbidden');
      expect(refused.stderr).toContain('read-only');
      expect((await ci.run(['dist-tag', 'add', 'hello@1.0.0', 'beta'])).code).not.toBe(0);
      expect((await r.call('GET', '/hello')).body['dist-tags']).toEqual({ latest: '1.0.0' });
    } finally {
      await ci.close();
    }
  });
});
