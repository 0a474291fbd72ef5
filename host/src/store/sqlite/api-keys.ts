/**
 * api_keys: only sha256(key) is stored, so a leaked database file yields no usable key.
 * Lookup is by hash equality in the index; raw keys are never compared as strings. Every app
 * key belongs to an app (apps.ts); admin keys belong to none.
 */
import { randomUUID } from 'node:crypto';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyIdentity, ApiKeyInfo, ApiKeyRepository, ApiKeyRole } from '../types.ts';
import { type Db, defined, now } from './shared.ts';
import { hashOf, type KeyRow, KEY_COLUMNS, keyInfo, newApiKey, newKeyFor } from '../rows/api-keys.ts';

export { type KeyRow, KEY_COLUMNS, keyInfo, newApiKey };

export class SqliteApiKeyRepository implements ApiKeyRepository {
  #insert;
  #byHash;
  #list;
  #revoke;
  #count;
  #create;

  constructor(db: Db) {
    this.#insert = db.prepare(`
      INSERT INTO api_keys (id, key_sha256, role, label, app_id, created_at) VALUES (@id, @hash, @role, @label, @appId, @now)
      ON CONFLICT (key_sha256) DO NOTHING`);
    this.#byHash = db.prepare<[string], KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_sha256 = ?`);
    this.#list = db.prepare<[], KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, rowid`);
    this.#revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.#count = db.prepare<[], number>('SELECT count(*) FROM api_keys WHERE revoked_at IS NULL').pluck();
    const appExists = db.prepare<[string], number>('SELECT 1 FROM apps WHERE id = ?').pluck();
    const newApp = db.prepare('INSERT INTO apps (id, name, created_at) VALUES (?, ?, ?)');
    // The key and (when it names none) its own app land together, or neither does.
    this.#create = db.transaction((row: { id: string; hash: string; role: ApiKeyRole; label: string; appId: string | null; now: string }, ownApp: boolean) => {
      if (ownApp && row.appId !== null) newApp.run(row.appId, row.label, row.now);
      else if (row.appId !== null && appExists.get(row.appId) === undefined) throw new EaselError('APP_NOT_FOUND', { app: row.appId });
      this.#insert.run(row);
    });
  }

  async create(input: { role: ApiKeyRole; label: string; appId?: string }): Promise<{ id: string; key: string; appId?: string }> {
    const { key, id, appId, ownApp } = newKeyFor(input);
    this.#create({ id, hash: hashOf(key), role: input.role, label: input.label, appId, now: now() }, ownApp);
    return defined({ id, key, appId: appId ?? undefined });
  }

  async createWithKey(key: string, input: { role: 'admin'; label: string }): Promise<{ id: string; created: boolean }> {
    const hash = hashOf(key);
    const id = randomUUID();
    const created = this.#insert.run({ id, hash, role: input.role, label: input.label, appId: null, now: now() }).changes > 0;
    return { id: created ? id : (this.#byHash.get(hash) as KeyRow).id, created };
  }

  async verify(key: string): Promise<ApiKeyIdentity | undefined> {
    const row = this.#byHash.get(hashOf(key));
    return row === undefined || row.revoked_at !== null ? undefined : defined({ id: row.id, role: row.role, label: row.label, appId: row.app_id ?? undefined });
  }

  async list(): Promise<ApiKeyInfo[]> {
    return this.#list.all().map(keyInfo);
  }

  async revoke(id: string): Promise<boolean> {
    return this.#revoke.run(now(), id).changes > 0;
  }

  async count(): Promise<number> {
    return this.#count.get() as number;
  }
}
