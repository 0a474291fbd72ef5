/** The PostgreSQL store's start: migrations once under their lock, a newer schema refused. */
import pg from 'pg';
import { expect, it } from 'vitest';
import { StoreSchemaError } from '@easel/common/sqlite/migrate';
import { freshDatabase } from '../test-store.ts';
import { openPostgresStore } from './open-store.ts';
import { PG_LATEST_VERSION } from './migrations.ts';

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

it('five replicas opening a fresh database at once migrate it once and all work', async () => {
  const database = await freshDatabase();
  try {
    const stores = await Promise.all(Array.from({ length: 5 }, () => openPostgresStore(database.url, { maxConnections: 2 })));
    try {
      expect(await query(database.url, 'SELECT version FROM registry_schema_migrations ORDER BY version')).toEqual(
        Array.from({ length: PG_LATEST_VERSION }, (_, i) => ({ version: i + 1 })),
      );
      expect(await stores[0]!.users.create({ name: 'alice', passwordHash: 'h' })).toBe(true);
      expect(await stores[4]!.users.get('alice')).toMatchObject({ name: 'alice' });
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  } finally {
    await database.drop();
  }
});

it('refuses a database migrated by a newer registry, naming it without its password', async () => {
  const database = await freshDatabase();
  try {
    await (await openPostgresStore(database.url)).close();
    await query(database.url, `INSERT INTO registry_schema_migrations (version, name, applied_at) VALUES (${PG_LATEST_VERSION + 1}, 'from the future', 'x')`);
    const error = await openPostgresStore(database.url).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StoreSchemaError);
    expect(error).toMatchObject({ found: PG_LATEST_VERSION + 1, known: PG_LATEST_VERSION });
    expect((error as Error).message).toContain(':***@');
    expect((error as Error).message).not.toContain('easel-local');
  } finally {
    await database.drop();
  }
});
