/**
 * api_keys: only sha256(key) is stored, so a leaked database file yields no usable key.
 * Lookup is by hash equality in the index; raw keys are never compared as strings.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyInfo, ApiKeyRepository, ApiKeyRole } from '../types.ts';
import { type Db, defined, now } from './shared.ts';

const hashOf = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new random API key (256 bits), in the format `create` hands out. */
export const newApiKey = (): string => `esl_${randomBytes(32).toString('base64url')}`;

interface Row {
  id: string;
  role: ApiKeyRole;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

export class SqliteApiKeyRepository implements ApiKeyRepository {
  #insert;
  #byHash;
  #list;
  #revoke;
  #count;

  constructor(db: Db) {
    this.#insert = db.prepare(`
      INSERT INTO api_keys (id, key_sha256, role, label, created_at) VALUES (@id, @hash, @role, @label, @now)
      ON CONFLICT (key_sha256) DO NOTHING`);
    this.#byHash = db.prepare<[string], Row>('SELECT id, role, label, created_at, revoked_at FROM api_keys WHERE key_sha256 = ?');
    this.#list = db.prepare<[], Row>('SELECT id, role, label, created_at, revoked_at FROM api_keys ORDER BY created_at, rowid');
    this.#revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.#count = db.prepare<[], number>('SELECT count(*) FROM api_keys WHERE revoked_at IS NULL').pluck();
  }

  async create(input: { role: ApiKeyRole; label: string }): Promise<{ id: string; key: string }> {
    const key = newApiKey();
    const id = randomUUID();
    this.#insert.run({ id, hash: hashOf(key), role: input.role, label: input.label, now: now() });
    return { id, key };
  }

  async createWithKey(key: string, input: { role: ApiKeyRole; label: string }): Promise<{ id: string; created: boolean }> {
    const hash = hashOf(key);
    const id = randomUUID();
    const created = this.#insert.run({ id, hash, role: input.role, label: input.label, now: now() }).changes > 0;
    return { id: created ? id : (this.#byHash.get(hash) as Row).id, created };
  }

  async verify(key: string): Promise<{ id: string; role: ApiKeyRole; label: string } | undefined> {
    const row = this.#byHash.get(hashOf(key));
    return row === undefined || row.revoked_at !== null ? undefined : { id: row.id, role: row.role, label: row.label };
  }

  async list(): Promise<ApiKeyInfo[]> {
    return this.#list.all().map((row) =>
      defined({ id: row.id, role: row.role, label: row.label, createdAt: row.created_at, revokedAt: row.revoked_at ?? undefined }),
    );
  }

  async revoke(id: string): Promise<boolean> {
    return this.#revoke.run(now(), id).changes > 0;
  }

  async count(): Promise<number> {
    return this.#count.get() as number;
  }
}
