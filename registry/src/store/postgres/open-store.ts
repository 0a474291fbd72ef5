/**
 * openPostgresStore: the registry store on PostgreSQL, shared by several registry replicas
 * (EASEL_REGISTRY_STORE=postgres). It runs the same contract suite as the SQLite store.
 */
import { StoreSchemaError } from '@easel/common/sqlite/migrate';
import type { RegistryStore } from '../types.ts';
import { RegistryStartError } from '../start-error.ts';
import { openPgDatabase, redacted, type PgDatabase } from './database.ts';
import { PgDownloadRepository } from './downloads.ts';
import { PgPackageLocks } from './package-locks.ts';
import { PgPackageRepository } from './packages.ts';
import { PgPasswordFailureRepository } from './password-failures.ts';
import { PgTokenRepository } from './tokens.ts';
import { PgUserRepository } from './users.ts';

/**
 * Opens the store at `url` and migrates its schema (once, under an advisory lock, however many
 * replicas start together). `maxConnections` bounds the query pool; package locks hold
 * connections of a second pool of the same size (see package-locks.ts).
 *
 * @throws StoreSchemaError when the database was migrated by a newer registry.
 * @throws RegistryStartError when the database cannot be reached, naming the URL without its password.
 */
export async function openPostgresStore(url: string, options: { maxConnections?: number } = {}): Promise<RegistryStore> {
  const maxConnections = options.maxConnections ?? 10;
  let db: PgDatabase;
  try {
    db = await openPgDatabase(url, maxConnections);
  } catch (error) {
    if (error instanceof StoreSchemaError) throw error;
    throw new RegistryStartError(`cannot open the PostgreSQL database at ${redacted(url)}: ${(error as Error).message}; check EASEL_REGISTRY_DATABASE_URL and that the server is up`, { cause: error });
  }
  const locks = new PgPackageLocks(url, maxConnections);
  let closing: Promise<void> | undefined;
  return {
    users: new PgUserRepository(db),
    tokens: new PgTokenRepository(db),
    passwordFailures: new PgPasswordFailureRepository(db),
    packages: new PgPackageRepository(db),
    downloads: new PgDownloadRepository(db),
    lockPackage: (key, task) => locks.run(key, task),
    close: () => (closing ??= Promise.all([locks.close(), db.close()]).then(() => undefined)),
  };
}
