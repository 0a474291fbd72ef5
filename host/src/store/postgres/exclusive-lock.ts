/**
 * `EASEL_REPLICAS=one`: the database's host lock, a session advisory lock held on a connection
 * of its own for as long as the host runs. A session lock goes with its session, so when that
 * connection breaks (the server restarted, the session was ended) the lock is taken again at
 * once and then every second until the server answers. If another host took it meanwhile, two
 * hosts would run on one database each believing it is alone: `onLost` is told, once.
 */
import type pg from 'pg';
import { StoreStartError } from '../store-start-error.ts';
import type { PgDatabase } from './database.ts';

/** Any advisory-lock key unique to "an Easel host uses this database". */
export const HOST_LOCK = 0x6561_7368;
const RETRY_MS = 1000;

export const LOCK_TAKEN_MESSAGE =
  'another Easel host is using this PostgreSQL database (EASEL_REPLICAS=one holds it alone); give every host EASEL_REPLICAS=many for several to share it';

/**
 * Takes the lock (StoreStartError when another host holds it) and keeps it until the returned
 * release. `onLost`: the connection holding it broke and another host holds it now.
 */
export async function holdExclusively(db: PgDatabase, onLost: (error: Error) => void): Promise<() => Promise<void>> {
  let client: pg.PoolClient | undefined = await take(db);
  if (!client) throw new StoreStartError(LOCK_TAKEN_MESSAGE);
  let released = false;
  let retry: NodeJS.Timeout | undefined;

  const keep = (held: pg.PoolClient) => {
    // Without a listener a broken connection's 'error' would end the process.
    held.on('error', () => broke(held));
    held.on('end', () => broke(held));
  };
  const broke = (held: pg.PoolClient) => {
    if (released || client !== held) return;
    client = undefined;
    held.release(true);
    void again();
  };
  const again = async () => {
    retry = undefined;
    if (released) return;
    let next: pg.PoolClient | undefined;
    try {
      next = await take(db);
    } catch {
      // The server does not answer yet.
      retry = setTimeout(() => void again(), RETRY_MS).unref();
      return;
    }
    if (released) return next?.release(true);
    if (!next) return onLost(new StoreStartError(`${LOCK_TAKEN_MESSAGE}: it took the database while this host's connection to it was broken`));
    client = next;
    keep(next);
  };
  keep(client);
  return async () => {
    if (released) return;
    released = true;
    clearTimeout(retry);
    // Ending the connection ends its session, and the lock with it.
    client?.release(true);
    client = undefined;
  };
}

/** A connection holding the lock, or undefined when another session holds it. */
async function take(db: PgDatabase): Promise<pg.PoolClient | undefined> {
  const client = await db.pool.connect();
  try {
    const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1) AS held', [HOST_LOCK]);
    if (rows[0]?.held) return client;
  } catch (error) {
    client.release(true);
    throw error;
  }
  client.release();
  return undefined;
}
