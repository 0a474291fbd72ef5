/**
 * Two real registries (replicas A and B, each with its own data dir) on one PostgreSQL
 * database and one S3 bucket (s3rver), over real HTTP on 127.0.0.1: what one does, the other
 * sees; publishes to both at once are serialised by the package lock across replicas.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../registry/src/store/test-store.ts';
import { verifyNpmVersion, type TrustedKey } from '../../sdk/src/bundle/index.ts';
import { startS3rver, S3RVER_CREDENTIALS, type RunningS3rver } from '../helpers/s3rver.ts';
import { ADMIN_TOKEN, bundle, PASSWORD, publish, publishBody, sri, startRegistry, type RunningRegistry } from './helpers.ts';

let database: { url: string; drop(): Promise<void> };
let s3: RunningS3rver;
let keyDir: string;
let a: RunningRegistry;
let b: RunningRegistry;
let alice: string;

beforeAll(async () => {
  [database, s3, keyDir] = await Promise.all([freshDatabase(), startS3rver(), mkdtemp(join(tmpdir(), 'easel-registry-key-'))]);
  const keyFile = join(keyDir, 'signing-key.pem');
  await writeFile(keyFile, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const shared = {
    store: 'postgres',
    databaseUrl: database.url,
    databaseMaxConnections: 4,
    signingKeyFile: keyFile,
    storage: 's3',
    s3Bucket: s3.bucket,
    s3Endpoint: s3.endpoint,
    s3ForcePathStyle: true,
    s3Prefix: 'registry/',
    s3AccessKeyId: S3RVER_CREDENTIALS.accessKeyId,
    s3SecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey,
  };
  // Started together on a fresh database: the migrations and the admin token run once, under their locks.
  [a, b] = await Promise.all([startRegistry(shared), startRegistry(shared)]);
  alice = await a.user('alice');
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await Promise.all([database?.drop(), s3?.close(), rm(keyDir, { recursive: true, force: true })]);
});

const versionsOf = async (r: RunningRegistry, name: string) => (await r.call('GET', `/${name}`)).body;

describe('registry replicas on one PostgreSQL and one bucket', () => {
  it('migrated once, beside the host tables of the same database', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      expect((await client.query('SELECT version FROM registry_schema_migrations')).rows).toEqual([{ version: 1 }]);
      // The database is a copy of the host's migrated template: its tables are untouched.
      expect((await client.query("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'plugins'")).rows).toEqual([{ n: 1 }]);
    } finally {
      await client.end();
    }
  });

  it('a user and token made on A work on B; the password too', async () => {
    expect((await b.call('GET', '/-/whoami', { token: alice })).body).toEqual({ username: 'alice' });
    const login = await b.call('PUT', '/-/user/org.couchdb.user:alice', { body: { _id: 'org.couchdb.user:alice', name: 'alice', password: PASSWORD, type: 'user', roles: [] } });
    expect(login.status).toBe(201);
    expect((await a.call('GET', '/-/whoami', { token: login.body.token })).body).toEqual({ username: 'alice' });
    expect((await b.call('GET', '/-/whoami', { token: ADMIN_TOKEN })).body).toEqual({ username: '~admin' });
  });

  it('published on A: B serves the packument and the tarball, same integrity, signed with the key B serves', async () => {
    const tgz = await bundle({ name: 'shared', version: '1.0.0' });
    expect((await a.call('PUT', '/shared', { token: alice, body: publishBody('shared', '1.0.0', tgz) })).status).toBe(201);
    const doc = await versionsOf(b, 'shared');
    const dist = doc.versions['1.0.0'].dist;
    expect(dist.integrity).toBe(sri(tgz));
    expect(dist.tarball).toBe(`${b.url}/shared/-/shared-1.0.0.tgz`);
    const download = await b.call('GET', '/shared/-/shared-1.0.0.tgz');
    expect(download.status).toBe(200);
    expect(sri(download.body)).toBe(sri(tgz));
    const keysOfB = (await b.call('GET', '/-/npm/v1/keys')).body.keys as TrustedKey[];
    expect(keysOfB).toEqual((await a.call('GET', '/-/npm/v1/keys')).body.keys);
    expect(verifyNpmVersion('shared', '1.0.0', dist.integrity, dist.signatures, keysOfB, new Date()).ok).toBe(true);
    // Downloads counted on either replica add up in one place.
    await a.call('GET', '/shared/-/shared-1.0.0.tgz');
    expect((await b.call('GET', '/api/v1/packages/shared')).body.downloads).toBe(2);
  });

  it('the same version to A and B at once: exactly one lands, the other is VERSION_EXISTS', async () => {
    for (const version of ['2.0.0', '2.0.1', '2.0.2', '2.0.3', '2.0.4']) {
      const tgz = await bundle({ name: 'race', version });
      const body = publishBody('race', version, tgz);
      const answers = await Promise.all([a, b].map((r) => r.call('PUT', '/race', { token: alice, body })));
      expect(answers.map((r) => r.status).sort()).toEqual([201, 403]);
      expect(answers.find((r) => r.status === 403)!.body.code).toBe('VERSION_EXISTS');
      // The loser's clean-up must not take the winner's tarball (the same bytes) with it.
      expect(sri((await b.call('GET', `/race/-/race-${version}.tgz`)).body)).toBe(sri(tgz));
    }
    const pkg = (await a.registry.store.packages.get('race'))!;
    expect(pkg.versions.map((v) => v.version)).toEqual(['2.0.0', '2.0.1', '2.0.2', '2.0.3', '2.0.4']);
    expect(pkg.rev).toBe(5);
  });

  it('different versions of one package to A and B at once: both land, with their tags and one revision each', async () => {
    expect((await publish(a, alice, { name: 'pair', version: '1.0.0' })).status).toBe(201);
    for (let round = 0; round < 3; round++) {
      const [onA, onB] = await Promise.all([
        publish(a, alice, { name: 'pair', version: `1.${round + 1}.0`, tag: `a${round}` }),
        publish(b, alice, { name: 'pair', version: `2.${round + 1}.0`, tag: `b${round}` }),
      ]);
      expect([onA.status, onB.status]).toEqual([201, 201]);
    }
    const doc = await versionsOf(b, 'pair');
    expect(Object.keys(doc.versions).sort()).toEqual(['1.0.0', '1.1.0', '1.2.0', '1.3.0', '2.1.0', '2.2.0', '2.3.0']);
    expect(doc['dist-tags']).toEqual({ latest: '1.0.0', a0: '1.1.0', a1: '1.2.0', a2: '1.3.0', b0: '2.1.0', b1: '2.2.0', b2: '2.3.0' });
    expect(doc._rev).toMatch(/^7-/);
    expect((await versionsOf(a, 'pair'))._rev).toBe(doc._rev);
  });
});
