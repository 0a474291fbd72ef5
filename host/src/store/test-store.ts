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

interface StoreFixtures {
  storeKind: StoreKind;
  dir: string;
  file: string;
  /** PostgreSQL only: the URL of this test's database. */
  databaseUrl: string;
  store: Store;
  /** Opens another store on the same database, as a second host (a replica) would; closed afterwards. */
  another: () => Promise<Store>;
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
    const name = `easel_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: inject('postgresUrl') });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('postgresTemplate')}`);
      const url = new URL(inject('postgresUrl'));
      url.pathname = `/${name}`;
      await use(url.toString());
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  },
  store: async ({ storeKind, file, databaseUrl }, use) => {
    // The PostgreSQL store has the repositories its suites test so far (issue 17).
    const store = storeKind === 'postgres' ? ((await openPostgresStore(databaseUrl)) as unknown as Store) : await openStore(file);
    await use(store);
    await store.close();
  },
  storedText: async ({ storeKind, dir, databaseUrl }, use) => {
    await use(async () => {
      if (storeKind === 'sqlite') {
        const folder = join(dir, 'nested');
        const names = await readdir(folder);
        return Buffer.concat(await Promise.all(names.map((n) => readFile(join(folder, n))))).toString('latin1');
      }
      const side = new pg.Client({ connectionString: databaseUrl });
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
    await use(async () => {
      const next = storeKind === 'postgres' ? ((await openPostgresStore(databaseUrl)) as unknown as Store) : await openStore(file);
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
      const side = new pg.Client({ connectionString: databaseUrl });
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
