/**
 * tokens. Only sha512 hex of each token is stored (npm's `key`); a token is shown once, when
 * it is issued. User tokens may be read-only, named, limited to addresses and expiring.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Principal, TokenInfo, TokenOptions, TokenRepository } from '../types.ts';
import { type Db, defined, now } from './shared.ts';

/** sha512 hex of a token: what npm calls the token's `key`. */
export const tokenKey = (token: string): string => createHash('sha512').update(token, 'utf8').digest('hex');

interface TokenRow {
  key: string;
  role: 'user' | 'admin';
  user_name: string | null;
  readonly: number;
  name: string | null;
  cidr_whitelist: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const COLUMNS = 'key, role, user_name, readonly, name, cidr_whitelist, created_at, expires_at, revoked_at';
// Expiry is compared as ISO text: every timestamp here is `toISOString()` (UTC, same width).
const LIVE_USER_TOKEN = "role = 'user' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)";

function infoOf(row: TokenRow): TokenInfo {
  return defined({
    key: row.key,
    user: row.user_name as string,
    name: row.name ?? undefined,
    readonly: row.readonly === 1,
    cidrWhitelist: row.cidr_whitelist === null ? undefined : (JSON.parse(row.cidr_whitelist) as string[]),
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? undefined,
  });
}

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
    const token = `ereg_${randomBytes(32).toString('base64url')}`;
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
    const row = this.#get.get(tokenKey(token));
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now())) return undefined;
    if (row.role === 'admin') return { role: 'admin', name: '~admin' };
    const cidr = row.cidr_whitelist === null ? {} : { cidrWhitelist: JSON.parse(row.cidr_whitelist) as string[] };
    return { role: 'user', name: row.user_name as string, readonly: row.readonly === 1, ...cidr };
  }

  async revoke(token: string): Promise<boolean> {
    return this.#revoke.run(now(), tokenKey(token)).changes > 0;
  }
}
