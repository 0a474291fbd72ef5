import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, bundle, PASSWORD, publishBody, startRegistry, type RunningRegistry } from './helpers.ts';

let r: RunningRegistry;

beforeAll(async () => {
  r = await startRegistry();
});
afterAll(() => r.close());

const login = (name: string, password: string, options: { token?: string } = {}) =>
  r.call('PUT', `/-/user/org.couchdb.user:${name}`, { ...options, body: { _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [], date: new Date().toISOString() } });

describe('users and tokens', () => {
  it('legacy login creates the user, then logs in; a wrong password is 409 as npm expects', async () => {
    const created = await login('alice', PASSWORD);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ok: "user 'alice' created", token: expect.stringMatching(/^ereg_/) });
    const again = await login('alice', PASSWORD);
    expect(again.status).toBe(201);
    expect(again.body.ok).toBe("you are authenticated as 'alice'");
    expect(again.body.token).not.toBe(created.body.token);
    const wrong = await login('alice', 'not the password');
    expect(wrong.status).toBe(409);
    expect(wrong.body.code).toBe('USER_EXISTS');

    for (const token of [created.body.token, again.body.token]) {
      expect((await r.call('GET', '/-/whoami', { token })).body).toEqual({ username: 'alice' });
    }
  });

  it("npm's second login step: GET the user, then PUT -rev with Basic auth", async () => {
    const user = await r.call('GET', '/-/user/org.couchdb.user:alice?write=true');
    expect(user.body).toMatchObject({ _id: 'org.couchdb.user:alice', name: 'alice', _rev: expect.any(String) });
    expect(JSON.stringify(user.body)).not.toMatch(/scrypt|password/);
    const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
    const ok = await r.call('PUT', `/-/user/org.couchdb.user:alice/-rev/${user.body._rev}`, { headers: basic('alice', PASSWORD), body: { name: 'alice' } });
    expect(ok.status).toBe(201);
    expect((await r.call('GET', '/-/whoami', { token: ok.body.token })).body.username).toBe('alice');
    const bad = await r.call('PUT', `/-/user/org.couchdb.user:alice/-rev/${user.body._rev}`, { headers: basic('alice', 'nope'), body: { name: 'alice' } });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('AUTH_INVALID');
    expect((await r.call('GET', '/-/user/org.couchdb.user:nobody')).body.code).toBe('USER_NOT_FOUND');
  });

  it('an email given at sign-up (npm adduser) is shown with the owner, as npm does', async () => {
    const res = await r.call('PUT', '/-/user/org.couchdb.user:erin', { body: { name: 'erin', password: PASSWORD, email: 'erin@example.com' } });
    const tgz = await bundle({ name: 'erins', version: '1.0.0' });
    expect((await r.call('PUT', '/erins', { token: res.body.token, body: publishBody('erins', '1.0.0', tgz) })).status).toBe(201);
    const doc = (await r.call('GET', '/erins')).body;
    expect(doc.maintainers).toEqual([{ name: 'erin', email: 'erin@example.com' }]);
    expect(doc.versions['1.0.0']._npmUser).toEqual({ name: 'erin', email: 'erin@example.com' });
  });

  it('refuses bad user names and short passwords', async () => {
    expect((await login('Alice', PASSWORD)).body.code).toBe('USER_INVALID');
    expect((await login('eve', 'short')).body.code).toBe('USER_INVALID');
    expect((await r.call('PUT', '/-/user/alice', { body: { name: 'alice', password: PASSWORD } })).body.code).toBe('REQUEST_INVALID');
    expect((await r.call('PUT', '/-/user/org.couchdb.user:bob', { body: { name: 'carol', password: PASSWORD } })).body.code).toBe('REQUEST_INVALID');
  });

  it('whoami: missing, bad and admin tokens', async () => {
    expect((await r.call('GET', '/-/whoami')).body.code).toBe('AUTH_REQUIRED');
    expect((await r.call('GET', '/-/whoami', { token: 'ereg_bogus' })).body.code).toBe('AUTH_INVALID');
    expect((await r.call('GET', '/-/whoami', { token: ADMIN_TOKEN })).body).toEqual({ username: '~admin' });
    // A bad token is an error on read routes too, not a silent anonymous read.
    expect((await r.call('GET', '/anything', { token: 'ereg_bogus' })).body.code).toBe('AUTH_INVALID');
  });

  it('logout revokes the token; others are untouched', async () => {
    const keep = (await login('alice', PASSWORD)).body.token;
    const drop = (await login('alice', PASSWORD)).body.token;
    const bob = (await login('bob', PASSWORD)).body.token;
    // Someone else's token cannot be revoked.
    await r.call('DELETE', `/-/user/token/${keep}`, { token: bob });
    expect((await r.call('GET', '/-/whoami', { token: keep })).status).toBe(200);
    expect((await r.call('DELETE', `/-/user/token/${drop}`, { token: drop })).status).toBe(200);
    expect((await r.call('GET', '/-/whoami', { token: drop })).body.code).toBe('AUTH_INVALID');
    expect((await r.call('GET', '/-/whoami', { token: keep })).status).toBe(200);
  });

  it('stores only hashes: sha512 of tokens, scrypt of passwords', async () => {
    const token = (await login('alice', PASSWORD)).body.token as string;
    const db = new Database(join(r.dataDir, 'registry.db'), { readonly: true });
    try {
      const keys = db.prepare('SELECT key FROM tokens').pluck().all() as string[];
      expect(keys).toContain(createHash('sha512').update(token).digest('hex'));
      expect(keys).toContain(createHash('sha512').update(ADMIN_TOKEN).digest('hex'));
      expect(db.prepare("SELECT password_hash FROM users WHERE name = 'alice'").pluck().get()).toMatch(/^scrypt\$16384\$8\$1\$/);
    } finally {
      db.close();
    }
    const files = await Promise.all(['registry.db', 'registry.db-wal'].map((f) => readFile(join(r.dataDir, f)).catch(() => Buffer.alloc(0))));
    for (const bytes of files) {
      expect(bytes.includes(token)).toBe(false);
      expect(bytes.includes(PASSWORD)).toBe(false);
      expect(bytes.includes(ADMIN_TOKEN)).toBe(false);
    }
  });

  it('web login is not offered (npm falls back to the legacy flow on 404)', async () => {
    expect((await r.call('POST', '/-/v1/login', { body: {} })).status).toBe(404);
  });

  it('with sign-up closed only the admin creates users; existing users still log in', async () => {
    const closed = await startRegistry({ openSignup: false });
    try {
      const call = (name: string, token?: string) =>
        closed.call('PUT', `/-/user/org.couchdb.user:${name}`, { ...(token ? { token } : {}), body: { name, password: PASSWORD } });
      expect((await call('dave')).body.code).toBe('SIGNUP_CLOSED');
      expect((await call('dave', ADMIN_TOKEN)).status).toBe(201);
      expect((await call('dave')).status).toBe(201);
    } finally {
      await closed.close();
    }
  });
});
