/**
 * Test fixtures of the registry store suites: a real store in a fresh place, closed and
 * removed afterwards. In the default vitest project a SQLite file in a fresh temp folder; in
 * the `store-postgres` project (vitest.config.ts) a fresh PostgreSQL database on the server
 * test/helpers/postgres-setup.ts starts. That database is copied from the host's migrated
 * template (host/src/store/test-store.ts), so every registry test also shows that the
 * registry's `registry_…` tables live beside the host's in one database.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject, test as base } from 'vitest';
import { freshDatabase } from '../../../host/src/store/test-store.ts';
import { openPostgresStore, openStore, type RegistryStore } from './index.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** The store this run of the suites is under, known when tests are collected. */
export const storeUnder: StoreKind = inject('storeKind') ?? 'sqlite';

export { freshDatabase };

interface StoreFixtures {
  /** Where this test's store lives: a SQLite file, or a PostgreSQL database URL. */
  storePlace: string;
  store: RegistryStore;
  /** Opens another store on the same file or database, as a second replica would; closed afterwards. */
  another: () => Promise<RegistryStore>;
}

const openAt = (place: string) => (storeUnder === 'postgres' ? openPostgresStore(place, { maxConnections: 4 }) : openStore(place));

export const test = base.extend<StoreFixtures>({
  storePlace: async ({}, use) => {
    if (storeUnder === 'postgres') {
      const database = await freshDatabase();
      await use(database.url);
      await database.drop();
      return;
    }
    const dir = await mkdtemp(join(tmpdir(), 'easel-registry-store-'));
    await use(join(dir, 'registry.db'));
    await rm(dir, { recursive: true, force: true });
  },
  store: async ({ storePlace }, use) => {
    const store = await openAt(storePlace);
    await use(store);
    await store.close();
  },
  another: async ({ storePlace, store: _first }, use) => {
    const opened: RegistryStore[] = [];
    await use(async () => {
      const next = await openAt(storePlace);
      opened.push(next);
      return next;
    });
    await Promise.all(opened.map((s) => s.close()));
  },
});
