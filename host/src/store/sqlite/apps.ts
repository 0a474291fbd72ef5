/**
 * apps: the tenants. An app owns its app keys (api_keys.app_id); the user ids its keys send,
 * and the usage, budgets and executions recorded under them, belong to it.
 */
import { randomUUID } from 'node:crypto';
import type { ApiKeyInfo, AppRecord, AppRepository } from '../types.ts';
import { type KeyRow, keyInfo, KEY_COLUMNS } from './api-keys.ts';
import { type Db, now } from './shared.ts';

interface Row {
  id: string;
  name: string;
  created_at: string;
}

const toRecord = (row: Row): AppRecord => ({ id: row.id, name: row.name, createdAt: row.created_at });

export class SqliteAppRepository implements AppRepository {
  #insert;
  #get;
  #list;
  #keys;

  constructor(db: Db) {
    this.#insert = db.prepare('INSERT INTO apps (id, name, created_at) VALUES (@id, @name, @createdAt)');
    this.#get = db.prepare<[string], Row>('SELECT id, name, created_at FROM apps WHERE id = ?');
    this.#list = db.prepare<[], Row>('SELECT id, name, created_at FROM apps ORDER BY created_at, rowid');
    this.#keys = db.prepare<[string], KeyRow>(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE app_id = ? ORDER BY created_at, rowid`);
  }

  async create(input: { name: string }): Promise<AppRecord> {
    const record = { id: randomUUID(), name: input.name, createdAt: now() };
    this.#insert.run(record);
    return record;
  }

  async get(id: string): Promise<AppRecord | undefined> {
    const row = this.#get.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  async list(): Promise<AppRecord[]> {
    return this.#list.all().map(toRecord);
  }

  async keys(id: string): Promise<ApiKeyInfo[]> {
    return this.#keys.all(id).map(keyInfo);
  }
}
