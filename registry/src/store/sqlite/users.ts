/** users. Passwords are stored as scrypt hashes (see auth/passwords.ts). */
import type { UserRecord, UserRepository } from '../types.ts';
import { defined, now } from '../common/values.ts';
import type { Db } from './db.ts';

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
