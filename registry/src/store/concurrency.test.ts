/**
 * What SQLite's single writer made atomic must stay so when requests (and, on PostgreSQL,
 * replicas: `another` opens a second store on the same database) race: the package row lock,
 * the versions' keys, the counting UPSERTs and the package lock of the package service.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { RegistryError } from '../errors/index.ts';
import { pluginVersion, withUsers } from './test-records.ts';
import { storeUnder, test } from './test-store.ts';
import type { RegistryStore } from './types.ts';

const outcome = (p: Promise<unknown>) => p.then(
  () => 'ok',
  (error: unknown) => (error instanceof RegistryError ? error.code : `unexpected: ${String(error)}`),
);

/** Two stores on one database for PostgreSQL (two replicas); the one store for SQLite (one process owns its file). */
async function replicas(store: RegistryStore, another: () => Promise<RegistryStore>): Promise<RegistryStore[]> {
  return storeUnder === 'postgres' ? [store, await another()] : [store, store];
}

describe('concurrent changes', () => {
  test('20 publishes of one new version: exactly one lands, the rest VERSION_EXISTS', async ({ store, another }) => {
    const stores = await replicas(store, another);
    await withUsers(store, 'alice');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcome(stores[i % 2]!.packages.publish(pluginVersion('widget', '1.0.0'), ['latest'], 'alice'))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(1);
    expect(results.filter((r) => r === 'VERSION_EXISTS')).toHaveLength(19);
    const pkg = (await store.packages.get('widget'))!;
    expect(pkg.rev).toBe(1);
    expect(pkg.owners).toEqual(['alice']);
  });

  test('20 publishes of different versions: all land, rev is 20, publish order has no gap or repeat', async ({ store, another }) => {
    const stores = await replicas(store, another);
    await withUsers(store, 'alice', 'bob');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => outcome(stores[i % 2]!.packages.publish(pluginVersion('widget', `1.0.${i}`), [`t${i}`], i % 2 === 0 ? 'alice' : 'bob'))),
    );
    expect(results).toEqual(Array(20).fill('ok'));
    const pkg = (await store.packages.get('widget'))!;
    expect(pkg.rev).toBe(20);
    expect(pkg.versions).toHaveLength(20);
    expect(Object.keys(pkg.distTags)).toHaveLength(20);
    // The first publish created the package and its one owner.
    expect(pkg.owners).toHaveLength(1);
  });

  test('tags, owners and unpublishes racing publishes: rev counts every change exactly once', async ({ store, another }) => {
    const stores = await replicas(store, another);
    await withUsers(store, 'alice', 'bob');
    await store.packages.publish(pluginVersion('widget', '0.0.1'), ['latest'], 'alice');
    const changes = Array.from({ length: 10 }, (_, i) => {
      const s = stores[i % 2]!;
      return [
        s.packages.publish(pluginVersion('widget', `1.0.${i}`), [], 'alice'),
        s.packages.setTag('widget', `tag${i}`, '0.0.1'),
        s.packages.setOwners('widget', i % 2 === 0 ? ['alice', 'bob'] : ['alice']),
      ];
    });
    await Promise.all(changes.flat());
    expect((await store.packages.get('widget'))!.rev).toBe(31);
    await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2]!.packages.unpublish('widget', [`1.0.${i}`])));
    const pkg = (await store.packages.get('widget'))!;
    expect(pkg.rev).toBe(41);
    expect(pkg.versions.filter((v) => v.unpublishedAt === undefined).map((v) => v.version)).toEqual(['0.0.1']);
  });

  test('50 concurrent password failures of one subject count 1 to 50, each once', async ({ store, another }) => {
    const stores = await replicas(store, another);
    const hits = await Promise.all(Array.from({ length: 50 }, (_, i) => stores[i % 2]!.passwordFailures.hit(['user:alice', 'addr:10.0.0.1'], 60_000, 1_000_000)));
    expect(hits.map((h) => h[0]!.failures).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(hits.map((h) => h[1]!.failures).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  test('40 concurrent downloads count 40', async ({ store, another }) => {
    const stores = await replicas(store, another);
    await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 2]!.downloads.record('widget', '1.0.0')));
    expect((await store.downloads.counts('widget')).total).toBe(40);
  });

  test('lockPackage: tasks under one key never overlap, across stores on one database; other keys run alongside', async ({ store, another }) => {
    const stores = await replicas(store, another);
    let inside = 0;
    let most = 0;
    const task = async () => {
      inside += 1;
      most = Math.max(most, inside);
      await sleep(5);
      inside -= 1;
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => stores[i % 2]!.lockPackage('widget', task)));
    expect(most).toBe(1);
    // A library publish takes its package's lock, then its scope's: nested locks must not wait on themselves.
    const nested = await stores[1]!.lockPackage('@easel/a', () => stores[1]!.lockPackage('@easel', async () => 'done'));
    expect(nested).toBe('done');
    // A failing task releases the lock.
    await expect(store.lockPackage('widget', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await stores[1]!.lockPackage('widget', async () => 'free')).toBe('free');
  });
});
