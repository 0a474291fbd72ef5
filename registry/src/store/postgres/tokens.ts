/**
 * registry_tokens: only sha512 hex of each token (npm's `key`), as in SQLite. Each method is
 * one statement (or, for setOnlyAdmin, one transaction), so replicas need no lock here.
 */
import type { Principal, TokenInfo, TokenOptions, TokenRepository } from '../types.ts';
import { principalOf, tokenInfoOf, type TokenRow } from '../common/rows.ts';
import { newUserToken, now, tokenKey } from '../common/values.ts';
import type { PgDatabase } from './database.ts';

const COLUMNS = 'key, role, user_name, readonly::int AS readonly, name, cidr_whitelist, created_at, expires_at, revoked_at';
// $1 is now: expiry compares ISO text, every timestamp being `toISOString()` (UTC, same width).
const LIVE_USER_TOKEN = "role = 'user' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $1)";
const INSERT = `INSERT INTO registry_tokens (key, role, user_name, readonly, name, cidr_whitelist, created_at, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key) DO NOTHING`;

export class PgTokenRepository implements TokenRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async #row(key: string): Promise<TokenRow | undefined> {
    return (await this.#db.pool.query<TokenRow>(`SELECT ${COLUMNS} FROM registry_tokens WHERE key = $1`, [key])).rows[0];
  }

  async issue(user: string, options: TokenOptions = {}): Promise<{ token: string; info: TokenInfo }> {
    const token = newUserToken();
    const key = tokenKey(token);
    const cidr = options.cidrWhitelist === undefined ? null : JSON.stringify(options.cidrWhitelist);
    await this.#db.pool.query(INSERT, [key, 'user', user, options.readonly === true, options.name ?? null, cidr, now(), options.expiresAt ?? null]);
    return { token, info: tokenInfoOf((await this.#row(key))!) };
  }

  async list(user: string, page: { limit: number; offset: number }): Promise<{ total: number; tokens: TokenInfo[] }> {
    const at = now();
    return this.#db.transaction(
      async (q) => {
        const total = (await q.query<{ n: number }>(`SELECT count(*) AS n FROM registry_tokens WHERE user_name = $2 AND ${LIVE_USER_TOKEN}`, [at, user])).rows[0]!.n;
        const { rows } = await q.query<TokenRow>(
          `SELECT ${COLUMNS} FROM registry_tokens WHERE user_name = $2 AND ${LIVE_USER_TOKEN} ORDER BY created_at DESC, key LIMIT $3 OFFSET $4`,
          [at, user, page.limit, page.offset],
        );
        return { total, tokens: rows.map(tokenInfoOf) };
      },
      { snapshot: true },
    );
  }

  async revokeKey(key: string, user?: string): Promise<boolean> {
    const { rowCount } = await this.#db.pool.query(`UPDATE registry_tokens SET revoked_at = $1 WHERE key = $2 AND ($3::text IS NULL OR user_name = $3) AND ${LIVE_USER_TOKEN}`, [
      now(),
      key,
      user ?? null,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async addAdmin(token: string): Promise<boolean> {
    const { rowCount } = await this.#db.pool.query(INSERT, [tokenKey(token), 'admin', null, false, null, null, now(), null]);
    return (rowCount ?? 0) > 0;
  }

  async setOnlyAdmin(token: string): Promise<void> {
    const key = tokenKey(token);
    const at = now();
    await this.#db.transaction(async (q) => {
      await q.query(
        "INSERT INTO registry_tokens (key, role, user_name, readonly, created_at) VALUES ($1, 'admin', NULL, false, $2) ON CONFLICT (key) DO UPDATE SET revoked_at = NULL WHERE registry_tokens.role = 'admin'",
        [key, at],
      );
      await q.query("UPDATE registry_tokens SET revoked_at = $1 WHERE role = 'admin' AND key <> $2 AND revoked_at IS NULL", [at, key]);
    });
  }

  async countAdmins(): Promise<number> {
    return (await this.#db.pool.query<{ n: number }>("SELECT count(*) AS n FROM registry_tokens WHERE role = 'admin' AND revoked_at IS NULL")).rows[0]!.n;
  }

  async resolve(token: string): Promise<Principal | undefined> {
    return principalOf(await this.#row(tokenKey(token)), now());
  }

  async revoke(token: string): Promise<boolean> {
    const { rowCount } = await this.#db.pool.query('UPDATE registry_tokens SET revoked_at = $1 WHERE key = $2 AND revoked_at IS NULL', [now(), tokenKey(token)]);
    return (rowCount ?? 0) > 0;
  }
}
