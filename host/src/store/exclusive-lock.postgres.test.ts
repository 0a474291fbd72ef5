/**
 * EASEL_REPLICAS=one on PostgreSQL: the host's lock on the database, a session lock, is taken
 * again when the connection holding it breaks; if another host got it first, the store says so
 * (onExclusiveLost) instead of running on beside it. A broken connection never ends the process.
 */
import pg from 'pg';
import { expect } from 'vitest';
import { openPostgresStore } from './index.ts';
import { HOST_LOCK } from './postgres/exclusive-lock.ts';
import { test } from './test-store.ts';

const until = async (check: () => Promise<boolean> | boolean) => {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await check()).toBe(true);
};

/** A client of its own on `url`, ended after the test. */
async function side(url: string, opened: pg.Client[]): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  opened.push(client);
  return client;
}

/** The session holding the host lock of this test's database (the server is shared by tests running at once). */
const holderPid = async (client: pg.Client): Promise<number | undefined> =>
  (await client.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND granted", [HOST_LOCK])).rows[0]?.pid;

test('the lock is taken again when the connection holding it breaks, and still keeps a second host out', async ({ databaseUrl }) => {
  const opened: pg.Client[] = [];
  const lost: Error[] = [];
  const store = await openPostgresStore(databaseUrl, { exclusive: true, onExclusiveLost: (e) => lost.push(e) });
  try {
    const watcher = await side(databaseUrl, opened);
    const first = await holderPid(watcher);
    expect(first).toEqual(expect.any(Number));
    await watcher.query('SELECT pg_terminate_backend($1)', [first]);
    await until(async () => {
      const now = await holderPid(watcher);
      return now !== undefined && now !== first;
    });
    await expect(openPostgresStore(databaseUrl, { exclusive: true })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('another Easel host is using this PostgreSQL database') });
    // The store serves on.
    expect(await store.plugins.list()).toEqual([]);
    expect(lost).toEqual([]);
  } finally {
    await store.close();
    for (const client of opened) await client.end().catch(() => undefined);
  }
});

test('another host that takes the lock while the connection is broken: the store is told, once', async ({ databaseUrl }) => {
  const opened: pg.Client[] = [];
  const lost: Error[] = [];
  const store = await openPostgresStore(databaseUrl, { exclusive: true, onExclusiveLost: (e) => lost.push(e) });
  try {
    // The other host waits for the lock; it gets it the moment the holder's session ends.
    const other = await side(databaseUrl, opened);
    const otherPid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const waiting = other.query('SELECT pg_advisory_lock($1)', [HOST_LOCK]);
    const killer = await side(databaseUrl, opened);
    await until(async () => (await killer.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND NOT granted", [HOST_LOCK])).rowCount === 1);
    await killer.query('SELECT pg_terminate_backend($1)', [await holderPid(killer)]);
    await waiting;
    expect(await holderPid(killer)).toBe(otherPid);
    await until(() => lost.length > 0);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.message).toContain('another Easel host is using this PostgreSQL database');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lost).toHaveLength(1);
  } finally {
    await store.close();
    for (const client of opened) await client.end().catch(() => undefined);
  }
});

test('a clean close lets the next host in at once', async ({ databaseUrl }) => {
  const first = await openPostgresStore(databaseUrl, { exclusive: true });
  await first.close();
  const next = await openPostgresStore(databaseUrl, { exclusive: true });
  await next.close();
});
