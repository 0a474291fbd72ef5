/**
 * tokens. Only sha512 hex of each token is stored (npm's `key`); a token is shown once, when
 * it is issued. User tokens may be read-only, named, limited to addresses and expiring.
 */
import type { Principal, TokenInfo, TokenOptions, TokenRepository } from '../types.ts';
import { principalOf, tokenInfoOf as infoOf, type TokenRow } from '../common/rows.ts';
import { newUserToken, now, tokenKey } from '../common/values.ts';
import type { Db } from './db.ts';

const COLUMNS = 'key, role, user_name, readonly, name, cidr_whitelist, created_at, expires_at, revoked_at';
// Expiry is compared as ISO text: every timestamp here is `toISOString()` (UTC, same width).
const LIVE_USER_TOKEN = "role = 'user' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)";

export class SqliteTokenRepository implements TokenRepository {
  #insert;
  #get;
  #revoke;
  #revokeKey;
  #list;
  #count;
  #admins;
  #onlyAdmin;

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO tokens (key, role, user_name, readonly, name, cidr_whitelist, created_at, expires_at)
       VALUES (@key, @role, @user, @readonly, @name, @cidr, @now, @expires) ON CONFLICT (key) DO NOTHING`,
    );
    this.#get = db.prepare<[string], TokenRow>(`SELECT ${COLUMNS} FROM tokens WHERE key = ?`);
    this.#revoke = db.prepare('UPDATE tokens SET revoked_at = ? WHERE key = ? AND revoked_at IS NULL');
    this.#revokeKey = db.prepare(`UPDATE tokens SET revoked_at = @now WHERE key = @key AND (@user IS NULL OR user_name = @user) AND ${LIVE_USER_TOKEN}`);
    this.#list = db.prepare<{ user: string; now: string; limit: number; offset: number }, TokenRow>(
      `SELECT ${COLUMNS} FROM tokens WHERE user_name = @user AND ${LIVE_USER_TOKEN} ORDER BY created_at DESC, key LIMIT @limit OFFSET @offset`,
    );
    this.#count = db.prepare<{ user: string; now: string }, number>(`SELECT count(*) FROM tokens WHERE user_name = @user AND ${LIVE_USER_TOKEN}`).pluck();
    this.#admins = db.prepare<[], number>("SELECT count(*) FROM tokens WHERE role = 'admin' AND revoked_at IS NULL").pluck();
    const upsertAdmin = db.prepare(
      "INSERT INTO tokens (key, role, user_name, readonly, created_at) VALUES (?, 'admin', NULL, 0, ?) ON CONFLICT (key) DO UPDATE SET revoked_at = NULL WHERE role = 'admin'",
    );
    const revokeOtherAdmins = db.prepare("UPDATE tokens SET revoked_at = ? WHERE role = 'admin' AND key <> ? AND revoked_at IS NULL");
    this.#onlyAdmin = db.transaction((key: string, at: string) => {
      upsertAdmin.run(key, at);
      revokeOtherAdmins.run(at, key);
    });
  }

  async issue(user: string, options: TokenOptions = {}): Promise<{ token: string; info: TokenInfo }> {
    const token = newUserToken();
    const key = tokenKey(token);
    this.#insert.run({
      key,
      role: 'user',
      user,
      readonly: options.readonly ? 1 : 0,
      name: options.name ?? null,
      cidr: options.cidrWhitelist === undefined ? null : JSON.stringify(options.cidrWhitelist),
      now: now(),
      expires: options.expiresAt ?? null,
    });
    return { token, info: infoOf(this.#get.get(key)!) };
  }

  async list(user: string, page: { limit: number; offset: number }): Promise<{ total: number; tokens: TokenInfo[] }> {
    const at = now();
    return { total: this.#count.get({ user, now: at }) as number, tokens: this.#list.all({ user, now: at, ...page }).map(infoOf) };
  }

  async revokeKey(key: string, user?: string): Promise<boolean> {
    return this.#revokeKey.run({ key, user: user ?? null, now: now() }).changes > 0;
  }

  async addAdmin(token: string): Promise<boolean> {
    return this.#insert.run({ key: tokenKey(token), role: 'admin', user: null, readonly: 0, name: null, cidr: null, now: now(), expires: null }).changes > 0;
  }

  async setOnlyAdmin(token: string): Promise<void> {
    this.#onlyAdmin(tokenKey(token), now());
  }

  async countAdmins(): Promise<number> {
    return this.#admins.get() as number;
  }

  async resolve(token: string): Promise<Principal | undefined> {
    return principalOf(this.#get.get(tokenKey(token)), now());
  }

  async revoke(token: string): Promise<boolean> {
    return this.#revoke.run(now(), tokenKey(token)).changes > 0;
  }
}
