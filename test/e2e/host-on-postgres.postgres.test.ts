/**
 * The host with EASEL_STORE=postgres, end to end: a plugin installed, enabled and called over
 * HTTP, its records (execution, kv, usage, audit) in PostgreSQL and still there after a
 * restart; a second host on the same database refused while the first runs; an unreachable
 * database refused at start with a line that names it without its password; a host that lost
 * the database to another while its hold was broken stops. Runs in the
 * `store-postgres` project (a PostgreSQL server of its own).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildHost, loadConfig } from '../../host/src/index.ts';
import { describeStartFailure } from '../../host/src/start/index.ts';
import { HOST_LOCK } from '../../host/src/store/postgres/exclusive-lock.ts';
import { freshDatabase } from '../../host/src/store/test-store.ts';
import { startChildHost } from '../helpers/child-host.ts';
import { packWithCli } from '../helpers/pack.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';

let database: { url: string; drop(): Promise<void> };
let host: RunningHost;
let appKey: string;

const onPostgres = () => ({ store: { kind: 'postgres' as const, url: database.url } });

beforeAll(async () => {
  database = await freshDatabase();
  host = await startHost(onPostgres() as never);
  const { tarball } = await packWithCli('plugins-external/hello');
  expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await host.call('POST', '/v1/plugins/hello/enable', { body: { grant: 'requested' } })).status).toBe(200);
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'web' } })).body.key;
});
afterAll(async () => {
  await host?.close();
  await database?.drop();
  for (const suffix of ['-second', '-unreachable']) await rm(`${host.dataDir}${suffix}`, { recursive: true, force: true });
});

async function rows<T extends object>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

test('an agent call is recorded in PostgreSQL: the execution, the kv row it wrote, the install in the audit log; no router-state.db', async () => {
  const first = await host.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Ada' } });
  expect(first.status).toBe(200);
  expect(first.body.output).toEqual({ name: 'Ada', visits: 1 });
  const second = await host.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Ada' } });
  expect(second.body.output).toEqual({ name: 'Ada', visits: 2 });

  expect(await rows("SELECT value FROM kv WHERE plugin = 'hello'")).toEqual([{ value: '2' }]);
  const [recorded] = await rows<{ status: string; target: string }>(`SELECT status, target FROM executions WHERE id = '${second.body.executionId}'`);
  expect(recorded).toEqual({ status: 'succeeded', target: 'greeter' });
  expect((await host.call('GET', `/v1/executions/${second.body.executionId}`, { key: appKey })).body).toMatchObject({ status: 'succeeded', output: { visits: 2 } });
  const actions = (await rows<{ action: string }>("SELECT action FROM audit_log WHERE plugin = 'hello' ORDER BY id")).map((r) => r.action);
  expect(actions).toEqual(expect.arrayContaining(['plugin.install', 'plugin.enable']));
  // The router's quotas are in the database too: nothing of the store is left in the data folder.
  expect(existsSync(join(host.dataDir, 'router-state.db'))).toBe(false);
  expect(existsSync(join(host.dataDir, 'easel.db'))).toBe(false);
});

test('a second host on the same database is refused while the first runs, with a line that says why', async () => {
  const config = loadConfig({}, { dataDir: `${host.dataDir}-second`, port: 0, logLevel: 'silent', firstPartyPlugins: false, ...onPostgres() } as never);
  const refused = await buildHost(config).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(refused).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  const failure = describeStartFailure(refused, { host: '127.0.0.1', port: 0, dataDir: config.dataDir });
  expect(failure).toEqual({ line: expect.stringContaining('another Easel host is using this PostgreSQL database'), expected: true });
  // The first host was not disturbed.
  expect((await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: 'Bo' } })).body.output).toEqual({ message: 'Hello, Bo!' });
});

test('after a restart the plugin, its kv, the key and the history are all still there', async () => {
  host = await host.restart();
  const third = await host.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Ada' } });
  expect(third.body.output).toEqual({ name: 'Ada', visits: 3 });
  const listed = await host.call('GET', '/v1/executions?limit=10', { key: appKey });
  expect(listed.body.items.length).toBeGreaterThanOrEqual(4);
  expect((await host.call('GET', '/v1/plugins/hello')).body).toMatchObject({ name: 'hello', enabled: true });
});

test('an unreachable database stops the start with a line naming it, never its password', async () => {
  const url = new URL(database.url);
  url.port = '1';
  const config = loadConfig({}, { dataDir: `${host.dataDir}-unreachable`, port: 0, logLevel: 'silent', firstPartyPlugins: false, store: { kind: 'postgres', url: url.toString() } } as never);
  const refused = await buildHost(config).then(
    () => undefined,
    (error: unknown) => error,
  );
  const failure = describeStartFailure(refused, { host: '127.0.0.1', port: 0, dataDir: config.dataDir });
  expect(failure.expected).toBe(true);
  expect(failure.line).toContain('cannot open the PostgreSQL database at postgres://postgres:***@127.0.0.1:1/');
  expect(failure.line).not.toContain(new URL(database.url).password);
});

test('EASEL_STORE=postgres without EASEL_DATABASE_URL is a configuration error', () => {
  expect(() => loadConfig({ EASEL_STORE: 'postgres' })).toThrow(/EASEL_DATABASE_URL: is required when EASEL_STORE is postgres/);
});

test('a host whose hold on the database broke, and which another host took meanwhile, stops with exit code 1 and a line that says why', async () => {
  const own = await freshDatabase();
  const child = await startChildHost({ env: { EASEL_STORE: 'postgres', EASEL_DATABASE_URL: own.url } });
  const clients: pg.Client[] = [];
  const connect = async () => {
    const client = new pg.Client({ connectionString: own.url });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  };
  try {
    expect((await child.call('GET', '/readyz')).status).toBe(200);
    // Another host waits for the database; the child's lock session ends (a server restart would do the same).
    const other = await connect();
    const waiting = other.query('SELECT pg_advisory_lock($1)', [HOST_LOCK]);
    const killer = await connect();
    const holder = async () => (await killer.query<{ pid: number; granted: boolean }>("SELECT pid, granted FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", [HOST_LOCK])).rows;
    for (let i = 0; i < 250 && (await holder()).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await killer.query('SELECT pg_terminate_backend($1)', [(await holder()).find((row) => row.granted)!.pid]);
    await waiting;
    expect(await child.exited).toBe(1);
    expect(child.output()).toContain('easel: stopped: another Easel host is using this PostgreSQL database');
  } finally {
    for (const client of clients) await client.end().catch(() => undefined);
    await child.close();
    await own.drop();
  }
});
