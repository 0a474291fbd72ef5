/** Uploading bundles: replacement of a version, refusal of bad ones, and that a refusal changes nothing. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packWithCli } from '../helpers/pack.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';

let host: RunningHost;
let appKey: string;
const bundles: Record<string, Buffer> = {};

beforeAll(async () => {
  for (const [name, dir] of Object.entries({ v1: 'plugins-external/hello', v2: 'test/fixtures/plugins/hello-v2', broken: 'test/fixtures/plugins/hello-broken' })) {
    // The broken one fails at load on purpose: the CLI's own load check would refuse to pack it.
    bundles[name] = (await packWithCli(dir, { skipLoadCheck: name === 'broken' })).tarball;
  }
  host = await startHost();
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
});
afterAll(async () => host?.close());

const installed = async () => (await readdir(join(host.dataDir, 'plugins'))).sort();
const greet = async () => (await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: 'Ada' } })).body;

describe('a second version replaces the first', () => {
  test('v1 installed, enabled, configured, with kv data', async () => {
    expect((await host.call('POST', '/v1/plugins/upload', { raw: bundles.v1 })).status).toBe(201);
    await host.call('POST', '/v1/plugins/hello/enable', { body: { grant: 'requested' } });
    await host.call('PUT', '/v1/plugins/hello/config', { body: { config: { greeting: 'Hey' } } });
    await host.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Ada' } });
    expect((await greet()).output.message).toBe('Hey, Ada!');
    expect(await installed()).toHaveLength(1);
  });

  test('a bundle that fails to load is refused; v1 keeps serving; no folder left behind', async () => {
    const res = await host.call('POST', '/v1/plugins/upload', { raw: bundles.broken });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('PLUGIN_LOAD_FAILED');
    expect((await host.call('GET', '/v1/plugins/hello')).body.version).toBe('1.0.0');
    expect((await greet()).output.message).toBe('Hey, Ada!');
    expect(await installed()).toHaveLength(1);
    expect(await readdir(join(host.dataDir, 'staging'))).toEqual([]);
  });

  test('v2 replaces v1 and keeps enabled flag, grant, config and kv data', async () => {
    const before = await installed();
    const res = await host.call('POST', '/v1/plugins/upload', { raw: bundles.v2 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ plugin: { name: 'hello', version: '1.1.0', enabled: true }, replaced: '1.0.0' });
    expect((await greet()).output.message).toBe('Hey, Ada! (v2)');
    const count = await host.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Ada' } });
    expect(count.body.output.visits).toBe(2);
    expect((await host.call('GET', '/v1/plugins/hello')).body.granted).toEqual({ kv: true });
    // v1's folder stays while v1 drains (EASEL_PLUGIN_DRAIN_MS), for calls bound to it: a new folder, and the old one.
    const after = await installed();
    expect(after).toHaveLength(2);
    expect(after).toEqual(expect.arrayContaining(before));
  });
});

describe('after a crash mid-upload', () => {
  test('a restart sweeps staging leftovers and unrecorded install folders, and keeps serving', async () => {
    // What a crash between extraction and the recording transaction leaves behind.
    await mkdir(join(host.dataDir, 'staging', 'upload-crashed', 'dist'), { recursive: true });
    await writeFile(join(host.dataDir, 'staging', 'upload-crashed', 'dist', 'plugin.js'), 'half');
    await mkdir(join(host.dataDir, 'plugins', 'hello@9.9.9-orphan'), { recursive: true });
    const recorded = (await host.host.plugins.list()).map((p) => p.path.slice(p.path.lastIndexOf('/') + 1));
    expect(await installed()).toEqual(expect.arrayContaining([...recorded, 'hello@9.9.9-orphan']));
    host = await host.restart();
    // Folders no record points to go: the orphan, and a replaced version's still draining when the host stopped.
    expect(await installed()).toEqual(recorded);
    expect(await readdir(join(host.dataDir, 'staging')).catch(() => [])).toEqual([]);
    expect((await greet()).output.message).toBe('Hey, Ada! (v2)');
  });
});

describe('refusals', () => {
  test('a body that is not a gzip tarball', async () => {
    const res = await host.call('POST', '/v1/plugins/upload', { raw: Buffer.from('not a tarball at all') });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('BUNDLE_INVALID');
  });

  test('a JSON body is the wrong media type', async () => {
    const res = await host.call('POST', '/v1/plugins/upload', { body: { hello: 'world' } });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  test('enable and config of an unknown plugin', async () => {
    expect((await host.call('POST', '/v1/plugins/ghost/enable', { body: {} })).body.code).toBe('PLUGIN_NOT_FOUND');
    expect((await host.call('PUT', '/v1/plugins/ghost/config', { body: { config: {} } })).body.code).toBe('PLUGIN_NOT_FOUND');
    const bad = await host.call('GET', '/v1/plugins/Not_Kebab');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('REQUEST_INVALID');
  });
});

describe('files changed on disk after install', () => {
  test('the plugin is not loaded after a restart (PLUGIN_MODIFIED) until reinstalled', async () => {
    const [folder] = await installed();
    await writeFile(join(host.dataDir, 'plugins', folder as string, 'dist', 'plugin.js'), 'globalThis.__easelPlugin = { default: {} };');
    host = await host.restart();
    const res = await greet();
    expect(res.code).toBe('PLUGIN_MODIFIED');
    expect((await host.call('POST', '/v1/plugins/hello/enable', { body: { grant: 'requested' } })).body.code).toBe('PLUGIN_MODIFIED');
    expect((await host.call('POST', '/v1/plugins/upload', { raw: bundles.v2 })).status).toBe(201);
    expect((await greet()).output.message).toBe('Hey, Ada! (v2)');
  });
});
