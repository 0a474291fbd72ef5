/**
 * The host installing from a real Easel registry on loopback: dependency chains, conflicts
 * explained, cycles, host ranges, yanked versions, dependents, and refusals for tampered
 * tarballs, bad signatures and foreign tarball origins. A refusal installs nothing.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { packSpec, startRegistry, type PluginSpec, type RunningRegistry } from '../helpers/registry.ts';

let registry: RunningRegistry;
let host: RunningHost;
let appKey: string;

const SPECS: PluginSpec[] = [
  // a -> b -> c: a three-level chain
  { name: 'chain-c', version: '1.0.0' },
  { name: 'chain-c', version: '1.2.0' },
  { name: 'chain-b', version: '1.0.0', dependencies: { 'chain-c': '^1.1.0' } },
  { name: 'chain-a', version: '1.0.0', dependencies: { 'chain-b': '^1.0.0' } },
  // a diamond: top needs left and right, both need base (one version must satisfy both)
  { name: 'dia-base', version: '1.1.0' },
  { name: 'dia-base', version: '1.4.0' },
  { name: 'dia-base', version: '2.0.0' },
  { name: 'dia-left', version: '1.0.0', dependencies: { 'dia-base': '^1.1.0' } },
  { name: 'dia-right', version: '1.0.0', dependencies: { 'dia-base': '>=1.0.0 <1.5.0' } },
  { name: 'dia-top', version: '1.0.0', dependencies: { 'dia-left': '^1.0.0', 'dia-right': '^1.0.0' } },
  // x and y want incompatible majors of shared
  { name: 'shared', version: '1.0.0' },
  { name: 'shared', version: '2.0.0' },
  { name: 'needs-shared-1', version: '1.0.0', dependencies: { shared: '^1.0.0' } },
  { name: 'needs-shared-2', version: '1.0.0', dependencies: { shared: '^2.0.0' } },
  // a cycle
  { name: 'loop-p', version: '1.0.0', dependencies: { 'loop-q': '^1.0.0' } },
  { name: 'loop-q', version: '1.0.0', dependencies: { 'loop-p': '^1.0.0' } },
  // only 1.x runs on host API 1
  { name: 'hosted', version: '1.0.0', hostRange: '^1.0.0' },
  { name: 'hosted', version: '2.0.0', hostRange: '^2.0.0' },
  // 1.1.0 gets yanked
  { name: 'yanky', version: '1.0.0' },
  { name: 'yanky', version: '1.1.0' },
];

beforeAll(async () => {
  registry = await startRegistry();
  for (const spec of SPECS) {
    const res = await registry.publish(await packSpec(spec));
    if (res.status !== 201) throw new Error(`publish ${spec.name}@${spec.version}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const yank = await registry.request('POST', '/api/v1/packages/yanky/versions/1.1.0/yank', { reason: 'broken' }, registry.adminToken);
  if (yank.status >= 300) throw new Error(`yank: ${yank.status} ${JSON.stringify(yank.body)}`);
  host = await startHost({ registries: { urls: registry.url, trustedKeys: await registry.trustedKeys() } } as never);
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
});
afterAll(async () => {
  await host?.close();
  await registry?.close();
});

const installed = async () => Object.fromEntries((await host.call('GET', '/v1/plugins')).body.plugins.map((p: { name: string; version: string; enabled: boolean }) => [p.name, `${p.version}${p.enabled ? '' : ' (disabled)'}`]));

describe('resolution', () => {
  test('a three-level chain installs the highest versions that fit, dependencies enabled first', async () => {
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'chain-a', range: '^1.0.0', grant: 'requested', dependencyGrants: { 'chain-b': 'requested', 'chain-c': 'requested' } } });
    expect(res.status).toBe(201);
    expect(res.body.order).toEqual(['chain-c', 'chain-b', 'chain-a']);
    expect(res.body.enabled).toEqual(['chain-c', 'chain-b', 'chain-a']);
    expect(await installed()).toEqual({ 'chain-a': '1.0.0', 'chain-b': '1.0.0', 'chain-c': '1.2.0' });
    const ping = await host.call('POST', '/v1/agents/chain-a/main/ping', { key: appKey, body: {} });
    expect(ping.body.output).toEqual({ name: 'chain-a', version: '1.0.0' });
  });

  test('a diamond installs one version of the shared dependency that satisfies both sides', async () => {
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'dia-top' } });
    expect(res.status).toBe(201);
    expect(res.body.order.indexOf('dia-base')).toBeLessThan(res.body.order.indexOf('dia-left'));
    const all = await installed();
    expect([all['dia-base'], all['dia-left'], all['dia-right'], all['dia-top']]).toEqual(['1.4.0 (disabled)', '1.0.0 (disabled)', '1.0.0 (disabled)', '1.0.0 (disabled)']);
  });

  test('a conflict is refused with an explanation naming both requirers, and changes nothing', async () => {
    expect((await host.call('POST', '/v1/plugins/install', { body: { name: 'needs-shared-1' } })).status).toBe(201);
    const before = await installed();
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'needs-shared-2' } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RESOLVE_CONFLICT');
    expect(res.body.message).toContain('needs-shared-1');
    expect(res.body.message).toContain('needs-shared-2');
    expect(res.body.details.package).toBe('shared');
    expect(res.body.details.considered.map((c: { version: string }) => c.version)).toEqual(['2.0.0', '1.0.0']);
    expect(await installed()).toEqual(before);
  });

  test('two conflicting installs at once: one wins, the other is explained, never both', async () => {
    await host.call('DELETE', '/v1/plugins/needs-shared-1');
    await host.call('DELETE', '/v1/plugins/shared');
    const [one, two] = await Promise.all([
      host.call('POST', '/v1/plugins/install', { body: { name: 'needs-shared-1' } }),
      host.call('POST', '/v1/plugins/install', { body: { name: 'needs-shared-2' } }),
    ]);
    expect([one.status, two.status].sort()).toEqual([201, 409]);
    const all = await installed();
    expect('needs-shared-1' in all && 'needs-shared-2' in all).toBe(false);
    // Restore the state the later tests expect.
    if ('needs-shared-2' in all) {
      await host.call('DELETE', '/v1/plugins/shared?cascade=true');
      await host.call('POST', '/v1/plugins/install', { body: { name: 'needs-shared-1' } });
    }
  });

  test('a cycle is refused with its path', async () => {
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'loop-p' } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('RESOLVE_CYCLE');
    expect(res.body.details.cycle.join(' ')).toMatch(/loop-p.*loop-q.*loop-p/);
    expect(Object.keys(await installed())).not.toContain('loop-p');
  });

  test('the host range picks the version that runs here, and refuses one that does not', async () => {
    const refused = await host.call('POST', '/v1/plugins/install', { body: { name: 'hosted', range: '^2.0.0' } });
    expect(refused.status).toBe(409);
    expect(refused.body.details.considered[0]).toMatchObject({ version: '2.0.0', reason: 'host-range' });
    expect((await host.call('POST', '/v1/plugins/install', { body: { name: 'hosted' } })).body.installed).toEqual([{ name: 'hosted', version: '1.0.0', action: 'install' }]);
  });

  test('a yanked version is never chosen fresh', async () => {
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'yanky' } });
    expect(res.body.installed).toEqual([{ name: 'yanky', version: '1.0.0', action: 'install' }]);
  });

  test('the catalog says which versions run on this host', async () => {
    const res = await host.call('GET', '/v1/plugins/available');
    const hosted = res.body.plugins.find((p: { name: string }) => p.name === 'hosted');
    expect(hosted.versions.map((v: { version: string; runsHere: boolean }) => [v.version, v.runsHere]).sort()).toEqual([['1.0.0', true], ['2.0.0', false]]);
    const yanky = res.body.plugins.find((p: { name: string }) => p.name === 'yanky');
    expect(yanky.versions.find((v: { version: string }) => v.version === '1.1.0').yanked).toBe(true);
  });
});

describe('dependents', () => {
  test('disable and uninstall are refused while enabled plugins depend on it; cascade removes them', async () => {
    const disable = await host.call('POST', '/v1/plugins/chain-c/disable');
    expect(disable.status).toBe(409);
    expect(disable.body.code).toBe('PLUGIN_IN_USE');
    expect(disable.body.details.dependents.map((d: { name: string }) => d.name)).toEqual(['chain-b']);
    const remove = await host.call('DELETE', '/v1/plugins/chain-b');
    expect(remove.body.code).toBe('PLUGIN_IN_USE');
    expect(remove.body.message).toContain('chain-a@1.0.0');
    const cascade = await host.call('DELETE', '/v1/plugins/chain-c?cascade=true');
    expect(cascade.status).toBe(200);
    expect(cascade.body).toEqual({ removed: { name: 'chain-c', version: '1.2.0' }, alsoRemoved: [{ name: 'chain-a', version: '1.0.0' }, { name: 'chain-b', version: '1.0.0' }] });
  });

  test('enabling a plugin whose dependency is disabled is refused', async () => {
    await host.call('POST', '/v1/plugins/install', { body: { name: 'chain-b' } });
    const res = await host.call('POST', '/v1/plugins/chain-b/enable', { body: { grant: 'requested' } });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('DEPENDENCY_DISABLED');
    await host.call('POST', '/v1/plugins/chain-c/enable', { body: {} });
    expect((await host.call('POST', '/v1/plugins/chain-b/enable', { body: {} })).status).toBe(200);
  });

  test('upgrade moves an installed plugin to the highest version in range', async () => {
    await host.call('DELETE', '/v1/plugins/chain-c?cascade=true');
    await host.call('POST', '/v1/plugins/install', { body: { name: 'chain-c', range: '1.0.0' } });
    const res = await host.call('POST', '/v1/plugins/chain-c/upgrade', { body: { range: '^1.0.0' } });
    expect(res.body.installed).toEqual([{ name: 'chain-c', version: '1.2.0', action: 'upgrade', replaced: '1.0.0' }]);
  });
});

describe('refusals install nothing', () => {
  test('a tarball changed on the registry’s disk: INTEGRITY_MISMATCH', async () => {
    const spec = { name: 'tampered', version: '1.0.0' };
    expect((await registry.publish(await packSpec(spec))).status).toBe(201);
    const dir = join(registry.dataDir, 'tarballs');
    const files = (await readdir(dir, { recursive: true })).map((f) => join(dir, f));
    const newest = await Promise.all(files.map(async (f) => ({ f, t: (await readFile(f).catch(() => undefined))?.length ?? -1 })));
    for (const { f } of newest.filter((x) => x.t > 0)) {
      const bytes = await readFile(f);
      if ((await import('node:zlib')).gunzipSync(bytes).includes(Buffer.from('tampered (generated'))) {
        bytes[bytes.length - 10] ^= 0xff;
        await writeFile(f, bytes);
      }
    }
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'tampered' } });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe('INTEGRITY_MISMATCH');
    expect(Object.keys(await installed())).not.toContain('tampered');
    expect(await readdir(join(host.dataDir, 'staging')).catch(() => [])).toEqual([]);
  });

  test('signatures by a key the host does not trust: SIGNATURE_INVALID under require', async () => {
    const other = await startHost({ registries: { urls: registry.url, trustedKeys: '[]' } } as never);
    try {
      const res = await other.call('POST', '/v1/plugins/install', { body: { name: 'yanky' } });
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('SIGNATURE_INVALID');
      expect((await other.call('GET', '/v1/plugins')).body.plugins).toEqual([]);
    } finally {
      await other.close();
    }
  });

  test('a tarball URL outside the configured registries: TARBALL_REFUSED', async () => {
    const elsewhere = await startRegistry({ publicUrl: 'http://127.0.0.2:9' });
    const other = await startHost({ registries: { urls: elsewhere.url, trustedKeys: await elsewhere.trustedKeys() } } as never);
    try {
      expect((await elsewhere.publish(await packSpec({ name: 'far-away', version: '1.0.0' }))).status).toBe(201);
      const res = await other.call('POST', '/v1/plugins/install', { body: { name: 'far-away' } });
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('TARBALL_REFUSED');
      expect((await other.call('GET', '/v1/plugins')).body.plugins).toEqual([]);
    } finally {
      await other.close();
      await elsewhere.close();
    }
  });

  test('a name no registry has: PACKAGE_NOT_FOUND', async () => {
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'no-such-plugin' } });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('PACKAGE_NOT_FOUND');
  });
});
