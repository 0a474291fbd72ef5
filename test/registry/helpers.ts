/**
 * A real registry for a test: a fresh data dir in the OS temp folder, a real port on
 * 127.0.0.1, real fetch. Bundles are the packed hello plugin, re-versioned in memory.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { buildRegistry, loadConfig, type Registry, type RegistryConfig } from '../../registry/src/index.ts';
import { writeTar, type TarEntry } from '../../sdk/src/bundle/tar-writer.ts';
import { helloTarball, readTarEntries } from '../fixtures/hostile-bundles.ts';

export const ADMIN_TOKEN = 'test-registry-admin-0123456789abcdef';
export const PASSWORD = 'correct horse battery';

export interface Call {
  token?: string | null;
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export interface RunningRegistry {
  url: string;
  dataDir: string;
  registry: Registry;
  call(method: string, path: string, options?: Call): Promise<{ status: number; body: any; headers: Headers }>;
  /** Creates (or logs in) a user over HTTP and returns a fresh token. */
  user(name: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

/** `beforeListen`: runs on the built registry before it starts (to add hooks a test reads). */
export async function startRegistry(
  overrides: Partial<Record<keyof RegistryConfig, unknown>> = {},
  { beforeListen }: { beforeListen?: (registry: Registry) => void } = {},
): Promise<RunningRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'easel-registry-'));
  const config = loadConfig({}, { dataDir, port: 0, adminToken: ADMIN_TOKEN, logLevel: 'silent', ...overrides });
  const registry = await buildRegistry(config);
  beforeListen?.(registry);
  const url = await registry.app.listen({ host: '127.0.0.1', port: 0 });
  const running: RunningRegistry = {
    url,
    dataDir,
    registry,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | Buffer | undefined;
      if (options.raw !== undefined) body = options.raw;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${url}${path}`, { method, headers, body });
      const buffer = Buffer.from(await res.arrayBuffer());
      const type = res.headers.get('content-type') ?? '';
      const parsed = buffer.length === 0 ? undefined : type.includes('json') ? JSON.parse(buffer.toString('utf8')) : buffer;
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async user(name, password = PASSWORD) {
      const res = await running.call('PUT', `/-/user/org.couchdb.user:${name}`, { body: { _id: `org.couchdb.user:${name}`, name, password, type: 'user', roles: [] } });
      if (res.status !== 201) throw new Error(`login of ${name} failed: ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    },
    async close() {
      await registry.app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return running;
}

export interface BundleOptions {
  name?: string;
  version?: string;
  description?: string;
  readme?: string;
  changelog?: string;
  keywords?: string[];
  dependencies?: Record<string, string>;
  hostRange?: string;
  /** plugin.json's `permissions` (the manifest's alone: package.json has none). */
  permissions?: Record<string, unknown>;
}

/** hello, re-named and re-versioned, as a valid bundle (same files `easel pack` writes). */
export async function bundle(options: BundleOptions = {}): Promise<Buffer> {
  const entries = readTarEntries(await helloTarball()).filter((e) => e.path !== 'package/README.md' && e.path !== 'package/CHANGELOG.md');
  const json = (e: TarEntry) => JSON.parse(Buffer.from(e.data!).toString('utf8')) as Record<string, unknown>;
  const out = entries.map((e) => {
    if (e.path !== 'package/plugin.json' && e.path !== 'package/package.json') return e;
    const value = json(e);
    if (options.name) value.name = options.name;
    if (options.version) value.version = options.version;
    if (options.description) value.description = options.description;
    if (options.keywords) value.keywords = options.keywords;
    // easel pack writes dependencies and engines.easel into both files.
    if (options.dependencies) value.dependencies = options.dependencies;
    if (options.hostRange) value.engines = { easel: options.hostRange };
    if (options.permissions && e.path === 'package/plugin.json') value.permissions = options.permissions;
    return { ...e, data: Buffer.from(`${JSON.stringify(value, null, 2)}\n`) };
  });
  if (options.readme !== undefined) out.push({ path: 'package/README.md', data: Buffer.from(options.readme) });
  if (options.changelog !== undefined) out.push({ path: 'package/CHANGELOG.md', data: Buffer.from(options.changelog) });
  out.sort((a, b) => (a.path < b.path ? -1 : 1));
  return gzipSync(writeTar(out));
}

export const sri = (b: Buffer) => `sha512-${createHash('sha512').update(b).digest('base64')}`;
export const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');

/** The body `npm publish` sends (npm 11.19, see shared/reference/registry.md §1.3). */
export function publishBody(name: string, version: string, tgz: Buffer, options: { tag?: string; integrity?: string; shasum?: string } = {}) {
  return {
    _id: name,
    name,
    description: 'demo',
    'dist-tags': { [options.tag ?? 'latest']: version },
    versions: {
      [version]: {
        name,
        version,
        description: 'demo',
        readme: 'ERROR: No README data found!',
        _id: `${name}@${version}`,
        _nodeVersion: '24.21.0',
        _npmVersion: '11.19.1',
        dist: {
          integrity: options.integrity ?? sri(tgz),
          shasum: options.shasum ?? sha1(tgz),
          tarball: `http://elsewhere.example/${name}/-/${name}-${version}.tgz`,
        },
      },
    },
    access: 'public',
    _attachments: { [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: tgz.toString('base64'), length: tgz.length } },
  };
}

/** Publishes over HTTP; returns the response. */
export async function publish(r: RunningRegistry, token: string, options: BundleOptions & { tag?: string } = {}) {
  const name = options.name ?? 'hello';
  const version = options.version ?? '1.0.0';
  const tgz = await bundle({ ...options, name, version });
  return r.call('PUT', `/${name.replace('/', '%2f')}`, { token, body: publishBody(name, version, tgz, options) });
}

/** A library package (no plugin manifest) as npm pack lays it out, with one bundled dependency. */
export function libraryEntries(name: string, version: string, packageJson: Record<string, unknown> = {}): TarEntry[] {
  const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  return [
    {
      path: 'package/package.json',
      data: json({ name, version, main: 'index.js', dependencies: { 'tiny-dep': '1.0.0' }, bundleDependencies: ['tiny-dep'], ...packageJson }),
    },
    { path: 'package/index.js', data: Buffer.from("module.exports = require('tiny-dep');\n") },
    { path: 'package/node_modules/tiny-dep/package.json', data: json({ name: 'tiny-dep', version: '1.0.0', main: 'index.js' }) },
    { path: 'package/node_modules/tiny-dep/index.js', data: Buffer.from("module.exports = 'bundled';\n") },
  ];
}

export function libraryTarball(name: string, version: string, packageJson: Record<string, unknown> = {}, extra: TarEntry[] = []): Buffer {
  return gzipSync(writeTar([...libraryEntries(name, version, packageJson), ...extra]));
}

/** PUT /:name with the body npm sends; the path encodes a scoped name as npm does. */
export function publishTarball(r: RunningRegistry, token: string, name: string, version: string, tgz: Buffer, options: { tag?: string } = {}) {
  return r.call('PUT', `/${name.replace('/', '%2f')}`, { token, body: publishBody(name, version, tgz, options) });
}

/** Nothing of a refused publish is left: no package row, no packument, no tarball, no temp folder. */
export async function expectNothingStored(r: RunningRegistry, name: string): Promise<void> {
  expect(await r.registry.store.packages.get(name)).toBeUndefined();
  expect((await r.call('GET', `/${name.replace('/', '%2f')}`)).status).toBe(404);
  const tarballs = join(r.dataDir, 'tarballs');
  expect(existsSync(tarballs) ? await readdir(tarballs, { recursive: true }) : []).toEqual([]);
  expect(await readdir(join(r.dataDir, 'tmp'))).toEqual([]);
}
