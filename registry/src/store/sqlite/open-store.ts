/** openStore: the registry's SQLite store — one connection, pragmas, migrations, repositories. */
import { openDatabase } from '@easel/common/sqlite/open-database';
import type { RegistryStore } from '../types.ts';
import { KeyedMutex } from '../common/keyed-mutex.ts';
import { SqliteDownloadRepository } from './downloads.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqlitePackageRepository } from './packages.ts';
import { SqlitePasswordFailureRepository } from './password-failures.ts';
import { SqliteTokenRepository } from './tokens.ts';
import { SqliteUserRepository } from './users.ts';

/**
 * Opens (creating if needed) the SQLite database at `file` and brings its schema up to date.
 * Rejects with StoreSchemaError when the file was written by a newer registry.
 *
 * @example
 * ```ts
 * const store = await openStore(join(config.dataDir, 'registry.db'));
 * ```
 */
export async function openStore(file: string): Promise<RegistryStore> {
  const db = await openDatabase(file, MIGRATIONS);
  const locks = new KeyedMutex();
  return {
    users: new SqliteUserRepository(db),
    tokens: new SqliteTokenRepository(db),
    passwordFailures: new SqlitePasswordFailureRepository(db),
    packages: new SqlitePackageRepository(db),
    downloads: new SqliteDownloadRepository(db),
    lockPackage: (key, task) => locks.run(key, task),
    async close() {
      if (db.open) db.close();
    },
  };
}
