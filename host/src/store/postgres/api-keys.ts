/**
 * api_keys and apps on PostgreSQL. Only sha256(key) is stored; lookup is by hash equality in
 * the index. Every app key belongs to an app; admin keys belong to none.
 */
import { randomUUID } from 'node:crypto';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyIdentity, ApiKeyInfo, ApiKeyRepository, ApiKeyRole, AppRecord, AppRepository } from '../types.ts';
import { hashOf, type KeyRow, KEY_COLUMNS, keyInfo, newKeyFor } from '../rows/api-keys.ts';
import { defined, now } from '../rows/common.ts';
import type { PgDatabase, Queryable } from './database.ts';

const INSERT_KEY = `INSERT INTO api_keys (id, key_sha256, role, label, app_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (key_sha256) DO NOTHING`;

export class PgApiKeyRepository implements ApiKeyRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async create(input: { role: ApiKeyRole; label: string; appId?: string }): Promise<{ id: string; key: string; appId?: string }> {
    const { key, id, appId, ownApp } = newKeyFor(input);
    const at = now();
    // The key and (when it names none) its own app land together, or neither does.
    await this.#db.transaction(async (db: Queryable) => {
      if (ownApp && appId !== null) await db.query('INSERT INTO apps (id, name, created_at) VALUES ($1, $2, $3)', [appId, input.label, at]);
      else if (appId !== null && (await db.query('SELECT 1 FROM apps WHERE id = $1 FOR SHARE', [appId])).rowCount === 0) throw new EaselError('APP_NOT_FOUND', { app: appId });
      await db.query(INSERT_KEY, [id, hashOf(key), input.role, input.label, appId, at]);
    });
    return defined({ id, key, appId: appId ?? undefined });
  }

  async createWithKey(key: string, input: { role: 'admin'; label: string }): Promise<{ id: string; created: boolean }> {
    const hash = hashOf(key);
    const id = randomUUID();
    const created = ((await this.#db.pool.query(INSERT_KEY, [id, hash, input.role, input.label, null, now()])).rowCount ?? 0) > 0;
    if (created) return { id, created };
    const existing = (await this.#db.pool.query<{ id: string }>('SELECT id FROM api_keys WHERE key_sha256 = $1', [hash])).rows[0] as { id: string };
    return { id: existing.id, created };
  }

  async verify(key: string): Promise<ApiKeyIdentity | undefined> {
    const row = (await this.#db.pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_sha256 = $1`, [hashOf(key)])).rows[0];
    return row === undefined || row.revoked_at !== null ? undefined : defined({ id: row.id, role: row.role, label: row.label, appId: row.app_id ?? undefined });
  }

  async list(): Promise<ApiKeyInfo[]> {
    return (await this.#db.pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, seq`)).rows.map(keyInfo);
  }

  async revoke(id: string): Promise<boolean> {
    return ((await this.#db.pool.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now(), id])).rowCount ?? 0) > 0;
  }

  async count(): Promise<number> {
    return Number((await this.#db.pool.query<{ n: number }>('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL')).rows[0]?.n ?? 0);
  }
}

interface AppRow {
  id: string;
  name: string;
  created_at: string;
}

const toApp = (row: AppRow): AppRecord => ({ id: row.id, name: row.name, createdAt: row.created_at });

export class PgAppRepository implements AppRepository {
  #db: PgDatabase;

  constructor(db: PgDatabase) {
    this.#db = db;
  }

  async create(input: { name: string }): Promise<AppRecord> {
    const record = { id: randomUUID(), name: input.name, createdAt: now() };
    await this.#db.pool.query('INSERT INTO apps (id, name, created_at) VALUES ($1, $2, $3)', [record.id, record.name, record.createdAt]);
    return record;
  }

  async get(id: string): Promise<AppRecord | undefined> {
    const row = (await this.#db.pool.query<AppRow>('SELECT id, name, created_at FROM apps WHERE id = $1', [id])).rows[0];
    return row === undefined ? undefined : toApp(row);
  }

  async list(): Promise<AppRecord[]> {
    return (await this.#db.pool.query<AppRow>('SELECT id, name, created_at FROM apps ORDER BY created_at, seq')).rows.map(toApp);
  }

  async keys(id: string): Promise<ApiKeyInfo[]> {
    return (await this.#db.pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE app_id = $1 ORDER BY created_at, seq`, [id])).rows.map(keyInfo);
  }
}
