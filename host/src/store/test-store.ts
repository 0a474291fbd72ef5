/**
 * Test fixtures: a real store in a fresh place, closed and removed afterwards. The store suites
 * run against SQLite (a file in a fresh temp folder) and, in the `store-postgres` project of
 * vitest.config.ts, against PostgreSQL (a fresh database on the server test/helpers/postgres-setup.ts
 * starts, copied from a migrated template).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { inject, test as base } from 'vitest';
import type { NewPlugin, Store } from './index.ts';
import { openStore } from './index.ts';
import { PG_TYPES } from './postgres/database.ts';
import { openPostgresStore } from './postgres/open-store.ts';

export type StoreKind = 'sqlite' | 'postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Which store the store suites run against (a vitest project's `provide`). */
    storeKind: StoreKind;
    /** The test server's maintenance database URL (postgres-setup.ts). */
    postgresUrl: string;
    /** The database every test database is copied from. */
    postgresTemplate: string;
  }
}

/** The store this run of the suites is under, known when tests are collected (for tests of one store only). */
export const storeUnder: StoreKind = inject('storeKind') ?? 'sqlite';

interface StoreFixtures {
  storeKind: StoreKind;
  dir: string;
  file: string;
  /** PostgreSQL only: the URL of this test's database. */
  databaseUrl: string;
  store: Store;
  /** Opens another store on the same database, as a second host (a replica) would; closed afterwards. */
  another: (options?: { owner?: string; leaseMs?: number }) => Promise<Store>;
  /** Rows of `sql` read through a connection of its own, as another process would see them. */
  sideQuery: <T>(sql: string) => Promise<T[]>;
  /** The query plan of `sql` (PostgreSQL's with sequential scans off, so an index that fits is shown). */
  plan: (sql: string) => Promise<string>;
  /** Everything the store keeps, as text: SQLite's files (WAL included), or every row of every table. */
  storedText: () => Promise<string>;
  /** Makes every `op` on `table` fail with 'refused' (a trigger, from a side connection); returns the undo. */
  refuse: (table: string, op: 'DELETE' | 'UPDATE' | 'INSERT') => Promise<() => Promise<void>>;
}

export const test = base.extend<StoreFixtures>({
  storeKind: ['sqlite', { injected: true }],
  dir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'easel-store-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  file: async ({ dir }, use) => {
    await use(join(dir, 'nested', 'easel.db'));
  },
  databaseUrl: async ({ storeKind }, use) => {
    if (storeKind !== 'postgres') return use('');
    const database = await freshDatabase();
    await use(database.url);
    await database.drop();
  },
  store: async ({ storeKind, file, databaseUrl }, use) => {
    const store = storeKind === 'postgres' ? await openPostgresStore(databaseUrl) : await openStore(file);
    await use(store);
    await store.close();
  },
  sideQuery: async ({ storeKind, file, databaseUrl }, use) => {
    await use(async <T,>(sql: string): Promise<T[]> => {
      if (storeKind === 'sqlite') {
        const db = new Database(file, { readonly: true });
        try {
          return db.prepare(sql).all() as T[];
        } finally {
          db.close();
        }
      }
      const side = new pg.Client({ connectionString: databaseUrl, types: PG_TYPES });
      await side.connect();
      try {
        return (await side.query(sql)).rows as T[];
      } finally {
        await side.end();
      }
    });
  },
  plan: async ({ storeKind, file, databaseUrl }, use) => {
    await use(async (sql) => {
      if (storeKind === 'sqlite') {
        const db = new Database(file, { readonly: true });
        try {
          return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((p) => p.detail).join('\n');
        } finally {
          db.close();
        }
      }
      const side = new pg.Client({ connectionString: databaseUrl, types: PG_TYPES });
      await side.connect();
      try {
        await side.query('SET enable_seqscan = off');
        return (await side.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await side.end();
      }
    });
  },
  storedText: async ({ storeKind, dir, databaseUrl }, use) => {
    await use(async () => {
      if (storeKind === 'sqlite') {
        const folder = join(dir, 'nested');
        const names = await readdir(folder);
        return Buffer.concat(await Promise.all(names.map((n) => readFile(join(folder, n))))).toString('latin1');
      }
      const side = new pg.Client({ connectionString: databaseUrl, types: PG_TYPES });
      await side.connect();
      try {
        const tables = (await side.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")).rows;
        const texts = await Promise.all(tables.map(async ({ name }) => (await side.query<{ t: string }>(`SELECT ${name}::text AS t FROM ${name}`)).rows.map((r) => r.t).join('\n')));
        return texts.join('\n');
      } finally {
        await side.end();
      }
    });
  },
  another: async ({ storeKind, file, databaseUrl, store: _first }, use) => {
    const opened: Store[] = [];
    await use(async (options = {}) => {
      const next = storeKind === 'postgres' ? await openPostgresStore(databaseUrl, options) : await openStore(file, { owner: options.owner });
      opened.push(next);
      return next;
    });
    await Promise.all(opened.map((s) => s.close()));
  },
  refuse: async ({ storeKind, file, databaseUrl }, use) => {
    const sides: pg.Client[] = [];
    await use(async (table, op) => {
      const trigger = `refuse_${op.toLowerCase()}_${table}`;
      if (storeKind === 'sqlite') {
        const side = new Database(file);
        side.exec(`CREATE TRIGGER ${trigger} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'refused'); END`);
        side.close();
        return async () => {
          const again = new Database(file);
          again.exec(`DROP TRIGGER ${trigger}`);
          again.close();
        };
      }
      const side = new pg.Client({ connectionString: databaseUrl, types: PG_TYPES });
      side.on('error', () => undefined);
      sides.push(side);
      await side.connect();
      await side.query("CREATE OR REPLACE FUNCTION easel_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$");
      await side.query(`CREATE TRIGGER ${trigger} BEFORE ${op} ON ${table} FOR EACH ROW EXECUTE FUNCTION easel_test_refuse()`);
      return async () => {
        await side.query(`DROP TRIGGER ${trigger} ON ${table}`);
      };
    });
    await Promise.all(sides.map((side) => side.end().catch(() => undefined)));
  },
});

export function pluginRecord(name: string, version = '1.0.0'): NewPlugin {
  return {
    name,
    version,
    manifest: {
      name,
      version,
      description: `${name} for tests`,
      author: 'tests',
      license: 'MIT',
      engines: { easel: '^1.0.0' },
      permissions: { kv: true },
      agents: [{ type: 'echo', description: 'echoes', capabilities: [{ name: 'say', description: 'says', input: {}, output: {} }] }],
    },
    integrity: `sha512-${version}`,
    scriptSha256: 'ab'.repeat(32),
    path: `/var/easel/plugins/${name}/${version}`,
    files: [{ path: 'dist/plugin.js', size: 10, sha256: 'ab'.repeat(32) }],
  };
}

/** A new database copied from the migrated template on the run's PostgreSQL server. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `easel_test_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: inject('postgresUrl') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresTemplate')}`);
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/**
 * For suites with a set-up of their own: a fresh store of the kind this run is under (a SQLite
 * file in `dir`, or a new PostgreSQL database), and how to close and remove it.
 */
export async function freshStore(dir: string): Promise<{ store: Store; remove(): Promise<void> }> {
  if (storeUnder === 'sqlite') {
    const store = await openStore(join(dir, 'easel.db'));
    return { store, remove: () => store.close() };
  }
  const database = await freshDatabase();
  const store = await openPostgresStore(database.url);
  return {
    store,
    async remove() {
      await store.close();
      await database.drop();
    },
  };
}
