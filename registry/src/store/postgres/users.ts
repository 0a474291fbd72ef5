/** registry_users. Passwords are stored as scrypt hashes (see auth/passwords.ts). */
import type { UserRecord, UserRepository } from '../types.ts';
import { defined, now } from '../common/values.ts';
import type { PgDatabase } from './database.ts';

export class PgUserRepository implements UserRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async get(name: string): Promise<UserRecord | undefined> {
    const { rows } = await this.#db.pool.query<{ name: string; email: string | null; password_hash: string; created_at: string }>(
      'SELECT name, email, password_hash, created_at FROM registry_users WHERE name = $1',
      [name],
    );
    const row = rows[0];
    return row && defined({ name: row.name, email: row.email ?? undefined, passwordHash: row.password_hash, createdAt: row.created_at });
  }

  async create(user: { name: string; email?: string; passwordHash: string }): Promise<boolean> {
    const { rowCount } = await this.#db.pool.query('INSERT INTO registry_users (name, email, password_hash, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING', [
      user.name,
      user.email ?? null,
      user.passwordHash,
      now(),
    ]);
    return (rowCount ?? 0) > 0;
  }
}
