/** users and tokens. Passwords are stored as scrypt hashes, tokens as sha512 hex (npm's `key`). */
import { createHash, randomBytes } from 'node:crypto';
import type { Principal, TokenRepository, UserRecord, UserRepository } from '../types.ts';
import { type Db, defined, now } from './shared.ts';

/** sha512 hex of a token: what npm calls the token's `key`. */
export const tokenKey = (token: string): string => createHash('sha512').update(token, 'utf8').digest('hex');

interface UserRow {
  name: string;
  email: string | null;
  password_hash: string;
  created_at: string;
}

export class SqliteUserRepository implements UserRepository {
  #get;
  #insert;

  constructor(db: Db) {
    this.#get = db.prepare<[string], UserRow>('SELECT name, email, password_hash, created_at FROM users WHERE name = ?');
    this.#insert = db.prepare('INSERT INTO users (name, email, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING');
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const row = this.#get.get(name);
    return row && defined({ name: row.name, email: row.email ?? undefined, passwordHash: row.password_hash, createdAt: row.created_at });
  }

  async create(user: { name: string; email?: string; passwordHash: string }): Promise<boolean> {
    return this.#insert.run(user.name, user.email ?? null, user.passwordHash, now()).changes > 0;
  }
}

interface TokenRow {
  role: 'user' | 'admin';
  user_name: string | null;
  readonly: number;
  revoked_at: string | null;
}

export class SqliteTokenRepository implements TokenRepository {
  #insert;
  #get;
  #revoke;
  #admins;
  #onlyAdmin;

  constructor(db: Db) {
    this.#insert = db.prepare(
      'INSERT INTO tokens (key, role, user_name, readonly, created_at) VALUES (@key, @role, @user, @readonly, @now) ON CONFLICT (key) DO NOTHING',
    );
    this.#get = db.prepare<[string], TokenRow>('SELECT role, user_name, readonly, revoked_at FROM tokens WHERE key = ?');
    this.#revoke = db.prepare('UPDATE tokens SET revoked_at = ? WHERE key = ? AND revoked_at IS NULL');
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

  async issue(user: string, options: { readonly?: boolean } = {}): Promise<string> {
    const token = `ereg_${randomBytes(32).toString('base64url')}`;
    this.#insert.run({ key: tokenKey(token), role: 'user', user, readonly: options.readonly ? 1 : 0, now: now() });
    return token;
  }

  async addAdmin(token: string): Promise<boolean> {
    return this.#insert.run({ key: tokenKey(token), role: 'admin', user: null, readonly: 0, now: now() }).changes > 0;
  }

  async setOnlyAdmin(token: string): Promise<void> {
    this.#onlyAdmin(tokenKey(token), now());
  }

  async countAdmins(): Promise<number> {
    return this.#admins.get() as number;
  }

  async resolve(token: string): Promise<Principal | undefined> {
    const row = this.#get.get(tokenKey(token));
    if (!row || row.revoked_at !== null) return undefined;
    if (row.role === 'admin') return { role: 'admin', name: '~admin' };
    return { role: 'user', name: row.user_name as string, readonly: row.readonly === 1 };
  }

  async revoke(token: string): Promise<boolean> {
    return this.#revoke.run(now(), tokenKey(token)).changes > 0;
  }
}
