/**
 * A real Easel registry on 127.0.0.1 for host tests, plus the plugins the tests publish:
 * generated into a temp folder from a template and packed by the SDK (`packPlugin`).
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { packPlugin } from '../../sdk/src/bundle/index.ts';
import { buildRegistry, loadConfig, type Registry } from '../../registry/src/index.ts';

export interface RunningRegistry {
  url: string;
  dataDir: string;
  registry: Registry;
  token: string;
  adminToken: string;
  /** The registry's keys as the host's EASEL_REGISTRY_TRUSTED_KEYS wants them. */
  trustedKeys(): Promise<string>;
  publish(tarball: Buffer): Promise<{ status: number; body: any }>;
  request(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

const ADMIN = 'registry-admin-token-0123456789abcdef';

export async function startRegistry(overrides: Record<string, unknown> = {}): Promise<RunningRegistry> {
  const dataDir = await mkdtemp(join(tmpdir(), 'easel-registry-'));
  const registry = await buildRegistry(loadConfig({}, { dataDir, port: 0, logLevel: 'silent', adminToken: ADMIN, ...overrides }));
  const url = (await registry.app.listen({ host: '127.0.0.1', port: 0 })).replace('localhost', '127.0.0.1');
  const request = async (method: string, path: string, body?: unknown, token?: string) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const user = await request('PUT', '/-/user/org.couchdb.user:alice', { _id: 'org.couchdb.user:alice', name: 'alice', password: 'correct horse battery', type: 'user', roles: [] });
  if (user.status !== 201) throw new Error(`registry user: ${user.status} ${JSON.stringify(user.body)}`);
  const token = user.body.token as string;
  return {
    url,
    dataDir,
    registry,
    token,
    adminToken: ADMIN,
    async trustedKeys() {
      return JSON.stringify((await request('GET', '/-/npm/v1/keys')).body.keys);
    },
    // The body `npm publish` sends (registry.md 1.3); the registry recomputes every hash.
    async publish(tarball) {
      const manifest = JSON.parse(readPackageJson(tarball));
      const { name, version } = manifest;
      const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
      const shasum = createHash('sha1').update(tarball).digest('hex');
      return request(
        'PUT',
        `/${encodeURIComponent(name)}`,
        {
          _id: name,
          name,
          'dist-tags': { latest: version },
          versions: { [version]: { ...manifest, _id: `${name}@${version}`, dist: { integrity, shasum, tarball: `${url}/${name}/-/${name}-${version}.tgz` } } },
          _attachments: { [`${name}-${version}.tgz`]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length } },
        },
        token,
      );
    },
    request,
    async close() {
      await registry.app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** package/package.json out of a packed bundle (tar headers are 512-byte blocks). */
function readPackageJson(tgz: Buffer): string {
  const tar = gunzipSync(tgz);
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const name = tar.subarray(offset, offset + 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(tar.subarray(offset + 124, offset + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    if (name === '') break;
    if (name === 'package/package.json') return tar.subarray(offset + 512, offset + 512 + size).toString('utf8');
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('no package/package.json in the bundle');
}

export interface PluginSpec {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  hostRange?: string;
}

/** Packs a generated plugin: one agent `main` whose `ping` answers its name and version. */
export async function packSpec(spec: PluginSpec): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), `easel-spec-${spec.name}-`));
  await mkdir(join(dir, 'src'));
  const io = { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' } } };
  await writeFile(
    join(dir, 'plugin.json'),
    JSON.stringify({
      name: spec.name,
      version: spec.version,
      description: `${spec.name} (generated for a test)`,
      author: 'Easel tests',
      license: 'Apache-2.0',
      engines: { easel: spec.hostRange ?? '^1.0.0' },
      dependencies: spec.dependencies ?? {},
      agents: [{ type: 'main', description: 'Answers who it is', capabilities: [{ name: 'ping', description: 'name and version', input: { type: 'object' }, output: io }] }],
    }),
  );
  await writeFile(
    join(dir, 'src', 'index.js'),
    `export default { agents: { main: { capabilities: { ping: () => (${JSON.stringify({ name: spec.name, version: spec.version })}) } } } };\n`,
  );
  try {
    return (await packPlugin(dir)).tarball;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
