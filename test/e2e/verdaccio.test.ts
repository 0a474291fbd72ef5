/**
 * verdaccio as a second, foreign registry (issue 3, item 4): a real verdaccio from the root
 * devDependencies on loopback with a generated config, bundles packed by the SDK and
 * published with the real `npm publish`, and a host (signature policy `warn`: verdaccio does
 * not sign) that installs them with their dependencies and runs them; two registries at once;
 * and every hostile tarball of the fixtures served by verdaccio, refused at install with its
 * code, nothing installed, nothing left in staging.
 */
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ABSOLUTE_ESCAPE_TARGET, HOSTILE_BUNDLES } from '../fixtures/hostile-bundles.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { packSpec, startRegistry, type PluginSpec, type RunningRegistry } from '../helpers/registry.ts';
import { startVerdaccio, type RunningVerdaccio } from '../helpers/verdaccio.ts';
import { NpmCli } from '../registry/npm-cli.ts';

let verdaccio: RunningVerdaccio;
let npm: NpmCli;
const hosts: RunningHost[] = [];
let ours: RunningRegistry | undefined;

/** A host installing from `urls`, without signatures required (verdaccio signs nothing). */
async function hostFor(urls: string, trustedKeys = '[]'): Promise<RunningHost> {
  const host = await startHost({ registries: { urls, trustedKeys, signaturePolicy: 'warn' } } as never);
  hosts.push(host);
  return host;
}

/** `npm publish <tgz>` (the real client, temp .npmrc with verdaccio's token, temp cache). */
async function npmPublish(tgz: Buffer, file: string): Promise<void> {
  const path = join(npm.root, file);
  await writeFile(path, tgz);
  const res = await npm.run(['publish', path], { timeoutMs: 30_000 });
  if (res.code !== 0) throw new Error(`npm publish ${file}: exit ${res.code}\n${res.stderr}\n--- verdaccio ---\n${verdaccio.output()}`);
}

const VERDACCIO_SPECS: PluginSpec[] = [
  { name: 'vd-leaf', version: '1.0.0' },
  { name: 'vd-leaf', version: '1.3.0' },
  { name: 'vd-leaf', version: '2.0.0' },
  { name: 'vd-app', version: '1.0.0', dependencies: { 'vd-leaf': '^1.0.0' } },
  // on both registries, at different versions: the first registry that has a name wins
  { name: 'on-both', version: '2.0.0' },
];

beforeAll(async () => {
  verdaccio = await startVerdaccio();
  npm = await NpmCli.create(verdaccio.url);
  await npm.setToken(verdaccio.token);
  for (const spec of VERDACCIO_SPECS) await npmPublish(await packSpec(spec), `${spec.name}-${spec.version}.tgz`);
  await npmPublish(await packSpec({ name: 'vd-as-packed', version: '1.0.0' }), 'vd-as-packed-1.0.0.tgz');
});

afterAll(async () => {
  for (const host of hosts) await host.close();
  await ours?.close();
  await npm?.close();
  await verdaccio?.close();
});

describe('verdaccio alone', () => {
  test('npm sees what npm published (whoami, view)', async () => {
    const who = await npm.run(['whoami']);
    expect(who.stdout.trim()).toBe(verdaccio.user);
    const view = await npm.run(['view', 'vd-app', 'dependencies', 'engines', '--json']);
    expect(view.code).toBe(0);
    expect(JSON.parse(view.stdout)).toEqual({ dependencies: { 'vd-leaf': '^1.0.0' }, engines: { easel: '^1.0.0' } });
  });

  test('the host installs a plugin and its dependency from verdaccio, and runs it', async () => {
    const host = await hostFor(verdaccio.url);
    const appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'vd-app', grant: 'requested', dependencyGrants: { 'vd-leaf': 'requested' } } });
    expect(res.status).toBe(201);
    expect(res.body.order).toEqual(['vd-leaf', 'vd-app']);
    expect(res.body.installed).toEqual([
      { name: 'vd-leaf', version: '1.3.0', action: 'install' },
      { name: 'vd-app', version: '1.0.0', action: 'install' },
    ]);
    const plugins = (await host.call('GET', '/v1/plugins')).body.plugins;
    expect(plugins.map((p: { name: string; version: string; enabled: boolean }) => [p.name, p.version, p.enabled]).sort()).toEqual([
      ['vd-app', '1.0.0', true],
      ['vd-leaf', '1.3.0', true],
    ]);
    const ping = await host.call('POST', '/v1/agents/vd-app/main/ping', { key: appKey, body: {} });
    expect(ping.status).toBe(200);
    expect(ping.body.output).toEqual({ name: 'vd-app', version: '1.0.0' });
    const leaf = await host.call('POST', '/v1/agents/vd-leaf/main/ping', { key: appKey, body: {} });
    expect(leaf.body.output).toEqual({ name: 'vd-leaf', version: '1.3.0' });
    expect(await readdir(join(host.dataDir, 'staging')).catch(() => [])).toEqual([]);
  });

  // A foreign registry serves package.json as the version document: `easel pack` repeats
  // plugin.json's dependencies and engines.easel there so the host can resolve from it.
  test('an `easel pack` bundle published as it is installs from verdaccio', async () => {
    const host = await hostFor(verdaccio.url);
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'vd-as-packed' } });
    expect(res.body).toMatchObject({ installed: [{ name: 'vd-as-packed', version: '1.0.0', action: 'install' }] });
  });
});

describe('two registries at once', () => {
  let host: RunningHost;
  beforeAll(async () => {
    ours = await startRegistry();
    for (const spec of [{ name: 'ours-only', version: '1.0.0' }, { name: 'on-both', version: '1.0.0' }]) {
      const res = await ours.publish(await packSpec(spec));
      if (res.status !== 201) throw new Error(`publish ${spec.name}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    host = await hostFor(`${ours.url},${verdaccio.url}`, await ours.trustedKeys());
  });

  test('a plugin only on verdaccio (and its dependency) is found there', async () => {
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'vd-app' } });
    expect(res.status).toBe(201);
    expect(res.body.installed.map((i: { name: string; version: string }) => `${i.name}@${i.version}`)).toEqual(['vd-leaf@1.3.0', 'vd-app@1.0.0']);
  });

  test('a plugin only on our registry is found there', async () => {
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'ours-only' } });
    expect(res.status).toBe(201);
    expect(res.body.installed).toEqual([{ name: 'ours-only', version: '1.0.0', action: 'install' }]);
  });

  test('a name on both comes from the first registry listed, even with a higher version on the second', async () => {
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'on-both' } });
    expect(res.status).toBe(201);
    expect(res.body.installed).toEqual([{ name: 'on-both', version: '1.0.0', action: 'install' }]);
  });
});

/** package/package.json of a (possibly hostile) tarball, or undefined when it cannot be read. */
function packageJsonOf(bytes: Buffer): { name: string; version: string } | undefined {
  let tar: Buffer;
  try {
    // gzip magic: gunzip with a cap (the bomb inflates to 200 MB); otherwise try it as a bare tar
    tar = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes, { maxOutputLength: 64 * 1024 * 1024 }) : bytes;
  } catch {
    return undefined;
  }
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const field = (start: number, length: number) => tar.subarray(offset + start, offset + start + length).toString('utf8').replace(/\0.*$/s, '');
    const name = field(0, 100);
    if (name === '') return undefined;
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) return undefined;
    if (name === 'package/package.json' && field(345, 155) === '') {
      try {
        const pkg = JSON.parse(tar.subarray(offset + 512, offset + 512 + size).toString('utf8'));
        return typeof pkg?.name === 'string' && typeof pkg?.version === 'string' ? pkg : undefined;
      } catch {
        return undefined;
      }
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

describe('hostile tarballs served by verdaccio are refused at install', () => {
  let host: RunningHost;
  let dataDirBefore: string[];
  const tree = async (dir: string) => (await readdir(dir, { recursive: true })).filter((e) => !e.startsWith('easel.db')).sort();
  beforeAll(async () => {
    host = await hostFor(verdaccio.url);
    dataDirBefore = await tree(host.dataDir);
  });

  describe.each(HOSTILE_BUNDLES.map((b, i) => ({ ...b, index: i })))('$name', (bundle) => {
    test(`is refused with ${bundle.expectCode}, installs nothing`, async () => {
      const tarball = await bundle.build();
      // Its own name and version when its package.json says them; a made-up name otherwise
      // (the gzip bomb has no package.json). verdaccio checks nothing inside a tarball.
      const pkg = packageJsonOf(tarball) ?? { name: `hostile-${bundle.index}`, version: '1.0.0' };
      // The version document says what a runnable plugin says, so the host gets as far as the tarball.
      const published = await verdaccio.publishRaw({ ...pkg, engines: { easel: '^1.0.0' }, dependencies: {} }, tarball);
      expect(published.status, JSON.stringify(published.body)).toBe(201);
      try {
        const res = await host.call('POST', '/v1/plugins/install', { body: { name: pkg.name } });
        expect(res.body.code, JSON.stringify(res.body)).toBe(bundle.expectCode);
        expect(res.status).toBe(bundle.expectCode === 'BUNDLE_TOO_LARGE' ? 413 : 400);
        if (bundle.expectCode !== 'BUNDLE_TOO_LARGE' && bundle.problemPath !== undefined) {
          const problems = (res.body.details?.problems ?? []) as { path: string }[];
          expect(problems.map((p) => p.path)).toContain(bundle.problemPath);
        }
        expect((await host.call('GET', '/v1/plugins')).body.plugins).toEqual([]);
        expect(await readdir(join(host.dataDir, 'staging')).catch(() => [])).toEqual([]);
        expect(await readdir(join(host.dataDir, 'plugins')).catch(() => [])).toEqual([]);
        expect(await tree(host.dataDir)).toEqual(dataDirBefore.concat(['plugins', 'staging'].filter((d) => !dataDirBefore.includes(d))).sort());
        expect(existsSync(ABSOLUTE_ESCAPE_TARGET)).toBe(false);
      } finally {
        // every hello-derived fixture is hello@1.0.0: remove it before the next one
        const removed = await verdaccio.request('DELETE', `/${pkg.name}/-rev/any`);
        expect(removed.status, JSON.stringify(removed.body)).toBe(201);
      }
    });
  });
});
