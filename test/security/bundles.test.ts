/**
 * Crafted archives (test/fixtures/hostile-bundles.ts) against every door a bundle comes in
 * through: the SDK's inspection (what `easel pack` checks its own output with, and what the
 * host and the registry call), a registry's publish, a host's upload, and a host's install
 * from a registry that serves the archive with valid signatures (a compromised registry, or
 * one that published it before these rules). Each is refused with its status and code;
 * nothing is stored or installed, the installed version of the plugin stays as it was, and a
 * neighbour plugin keeps answering.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError, DEFAULT_BUNDLE_LIMITS, extractBundle, type BundleFile } from '@easel/sdk/bundle';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signedDist } from '../../registry/src/packages/version-doc.ts';
import { RegistryKey } from '../../registry/src/signing/registry-key.ts';
import { ABSOLUTE_ESCAPE_TARGET, HOSTILE_BUNDLES, helloTarball, type HostileBundle } from '../fixtures/hostile-bundles.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { packSpec } from '../helpers/registry.ts';
import { bundle, publishBody, sha1, sri, startRegistry, type RunningRegistry } from '../registry/helpers.ts';

const statusOf = (code: string) => (code === 'BUNDLE_TOO_LARGE' ? 413 : 400);

// Built once each: the gzip bomb and the oversized one take a moment.
const built = new Map<string, Promise<Buffer>>();
function tgzOf(hostile: HostileBundle): Promise<Buffer> {
  if (!built.has(hostile.name)) built.set(hostile.name, Promise.resolve(hostile.build()));
  return built.get(hostile.name)!;
}

function expectNoEscape(): void {
  expect(existsSync(ABSOLUTE_ESCAPE_TARGET)).toBe(false);
  expect(existsSync(join(tmpdir(), 'escape.txt'))).toBe(false);
}

function expectProblems(details: { problems?: { path: string }[] } | undefined, hostile: HostileBundle): void {
  expect(details?.problems?.length).toBeGreaterThan(0);
  if (hostile.problemPath !== undefined) expect(details!.problems!.map((p) => p.path)).toContain(hostile.problemPath);
}

beforeAll(async () => {
  await helloTarball(); // pack once, outside the per-test timeouts
}, 120_000);

describe("the SDK's inspection (easel pack, the registry and the host all call it)", () => {
  test.each(HOSTILE_BUNDLES)('$name: $expectCode, nothing written', async (hostile) => {
    const dest = await mkdtemp(join(tmpdir(), 'easel-sec-bundle-'));
    try {
      const err = await extractBundle(await tgzOf(hostile), dest, DEFAULT_BUNDLE_LIMITS).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BundleError);
      expect((err as BundleError).code).toBe(hostile.expectCode);
      expectProblems(err as BundleError, hostile);
      expect(await readdir(dest)).toEqual([]);
      expectNoEscape();
    } finally {
      await rm(dest, { recursive: true, force: true });
    }
  });
});

describe("a registry's publish", () => {
  let registry: RunningRegistry;
  let token: string;
  let storedBefore: string[];
  const stored = async () => (await readdir(join(registry.dataDir, 'tarballs'), { recursive: true })).sort();
  beforeAll(async () => {
    registry = await startRegistry();
    token = await registry.user('mallory');
    // A neighbour package that must stay served.
    expect((await registry.call('PUT', '/neighbour', { token, body: publishBody('neighbour', '1.0.0', await bundle({ name: 'neighbour' })) })).status).toBe(201);
    storedBefore = await stored();
  });
  afterAll(() => registry?.close());

  test.each(HOSTILE_BUNDLES)('$name: $expectCode, nothing stored', async (hostile) => {
    const res = await registry.call('PUT', '/hello', { token, body: publishBody('hello', '1.0.0', await tgzOf(hostile)) });
    expect(res.body.code).toBe(hostile.expectCode);
    expect(res.status).toBe(statusOf(hostile.expectCode));
    expectProblems(res.body.details, hostile);
    // Nothing stored: no package, no packument, no new tarball, no temp folder left.
    expect(await registry.registry.store.packages.get('hello')).toBeUndefined();
    expect((await registry.call('GET', '/hello')).status).toBe(404);
    expect(await stored()).toEqual(storedBefore);
    expect(await readdir(join(registry.dataDir, 'tmp'))).toEqual([]);
    expectNoEscape();
    const neighbour = await registry.call('GET', '/neighbour');
    expect(neighbour.status).toBe(200);
    expect(Object.keys(neighbour.body.versions)).toEqual(['1.0.0']);
  });
});

/**
 * A registry that signs whatever it serves: the version document of hello@1.0.0 carries
 * valid signatures (npm's and the file statement, over hello's real files) for whatever
 * tarball `serve` was last given.
 */
async function startSigningRegistry(key: RegistryKey, files: BundleFile[]) {
  let packument = '{}';
  let tarball: Buffer = Buffer.alloc(0);
  const server: Server = createServer((req, res) => {
    if (req.url === '/hello') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(packument);
    } else if (req.url === '/hello/-/hello-1.0.0.tgz') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    trustedKeys: JSON.stringify([key.publicKey]),
    serve(tgz: Buffer) {
      tarball = tgz;
      const publishedAt = new Date().toISOString();
      const integrity = sri(tgz);
      const dist = signedDist({ name: 'hello', version: '1.0.0', integrity, shasum: sha1(tgz), files, hostApi: '^1.0.0', publisher: { name: 'mallory' }, publishedAt, key });
      const doc = { name: 'hello', version: '1.0.0', dependencies: {}, engines: { easel: '^1.0.0' }, _id: 'hello@1.0.0', dist: { ...dist, tarball: `${url}/hello/-/hello-1.0.0.tgz` } };
      packument = JSON.stringify({ name: 'hello', 'dist-tags': { latest: '1.0.0' }, time: { '1.0.0': publishedAt }, versions: { '1.0.0': doc } });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a host: upload, and install from a registry that signs the archive', () => {
  let host: RunningHost;
  let signing: Awaited<ReturnType<typeof startSigningRegistry>>;
  let keyDir: string;
  let appKey: string;
  let before: { plugins: unknown; helloIntegrity: string; pluginFolders: string[] };

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'easel-sec-key-'));
    const { key } = await RegistryKey.load(join(keyDir, 'signing-key.pem'), true);
    const checkDir = await mkdtemp(join(tmpdir(), 'easel-sec-files-'));
    const { files } = await extractBundle(await helloTarball(), checkDir, DEFAULT_BUNDLE_LIMITS);
    await rm(checkDir, { recursive: true, force: true });
    signing = await startSigningRegistry(key, files);
    // The control: a registry serving the real hello this way is installed from.
    signing.serve(await helloTarball());

    host = await startHost({ registries: { urls: signing.url, trustedKeys: signing.trustedKeys } } as never);
    // The target: hello 0.9.0 installed and enabled (a hostile hello@1.0.0 would replace it).
    for (const tgz of [await bundle({ version: '0.9.0' }), await packSpec({ name: 'neighbour', version: '1.0.0' })]) {
      const up = await host.call('POST', '/v1/plugins/upload', { raw: tgz });
      expect(up.status, JSON.stringify(up.body)).toBe(201);
      expect((await host.call('POST', `/v1/plugins/${up.body.plugin.name}/enable`, { body: { grant: 'requested' } })).status).toBe(200);
    }
    appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'bundles attack' } })).body.key;
    before = await state();
  }, 120_000);
  afterAll(async () => {
    await host?.close();
    await signing?.close();
    if (keyDir) await rm(keyDir, { recursive: true, force: true });
  });

  async function state() {
    const plugins = (await host.call('GET', '/v1/plugins')).body.plugins.map((p: { name: string; version: string; enabled: boolean }) => `${p.name}@${p.version}${p.enabled ? '' : ' (disabled)'}`);
    return {
      plugins,
      helloIntegrity: (await host.call('GET', '/v1/plugins/hello')).body.integrity as string,
      pluginFolders: (await readdir(join(host.dataDir, 'plugins'))).sort(),
    };
  }

  async function expectUnharmed(): Promise<void> {
    expect(await state()).toEqual(before);
    expect(await readdir(join(host.dataDir, 'staging')).catch(() => [])).toEqual([]);
    expectNoEscape();
    const greet = await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: 'Ada' } });
    expect(greet.status, JSON.stringify(greet.body)).toBe(200);
    expect(greet.body.output).toEqual({ message: 'Hello, Ada!' });
    const ping = await host.call('POST', '/v1/agents/neighbour/main/ping', { key: appKey, body: {} });
    expect(ping.status).toBe(200);
    expect(ping.body.output).toEqual({ name: 'neighbour', version: '1.0.0' });
  }

  test('the control: the same registry serving the real archive is verified (nothing else differs)', async () => {
    expect(before.plugins).toEqual(['hello@0.9.0', 'neighbour@1.0.0']);
    const other = await startHost({ registries: { urls: signing.url, trustedKeys: signing.trustedKeys } } as never);
    try {
      signing.serve(await helloTarball());
      const res = await other.call('POST', '/v1/plugins/install', { body: { name: 'hello', range: '1.0.0' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.installed).toEqual([{ name: 'hello', version: '1.0.0', action: 'install' }]);
    } finally {
      await other.close();
    }
  });

  test.each(HOSTILE_BUNDLES)('upload of $name: $expectCode, nothing replaced', async (hostile) => {
    const res = await host.call('POST', '/v1/plugins/upload', { raw: await tgzOf(hostile) });
    expect(res.body.code).toBe(hostile.expectCode);
    expect(res.status).toBe(statusOf(hostile.expectCode));
    expect(res.body.statusCode).toBe(res.status);
    // The body limit answers an oversized upload before the extractor sees it, with no problems list.
    if (res.body.details?.problems) expectProblems(res.body.details, hostile);
    await expectUnharmed();
  });

  test.each(HOSTILE_BUNDLES)('install of $name from the signing registry: $expectCode, nothing installed', async (hostile) => {
    signing.serve(await tgzOf(hostile));
    const res = await host.call('POST', '/v1/plugins/install', { body: { name: 'hello', range: '1.0.0' } });
    expect(res.body.code).toBe(hostile.expectCode);
    expect(res.status).toBe(statusOf(hostile.expectCode));
    // The download cap answers an oversized tarball before the extractor sees it, with no problems list.
    if (res.body.details?.problems) expectProblems(res.body.details, hostile);
    await expectUnharmed();
  });
});
