/**
 * Uploading the same name@version again with other code replaces the running code at once,
 * keeping the enabled flag, grant and data, as a new version would. `easel dev` relies on it
 * to reload a plugin on every save without a version bump.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { packWithCli } from '../helpers/pack.ts';
import { copyPlugin, type PluginCopy } from '../helpers/plugin-copy.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';

let host: RunningHost;
let plugin: PluginCopy;
let appKey: string;

beforeAll(async () => {
  plugin = await copyPlugin('plugins-external/hello');
  host = await startHost();
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
});
afterAll(async () => {
  await host?.close();
  await plugin?.remove();
});

const greet = async () => (await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: 'Ada' } })).body;
const count = async () => (await host.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Ada' } })).body;

test('a re-upload of the same version with other code serves the new code; grant, enabled flag and kv data stay', async () => {
  const first = (await packWithCli(plugin.dir)).tarball;
  expect((await host.call('POST', '/v1/plugins/upload', { raw: first })).body.replaced).toBeNull();
  expect((await host.call('POST', '/v1/plugins/hello/enable', { body: { grant: 'requested' } })).status).toBe(200);
  expect((await greet()).output).toEqual({ message: 'Hello, Ada!' });
  expect((await count()).output.visits).toBe(1);

  const source = join(plugin.dir, 'src', 'index.ts');
  await writeFile(source, (await readFile(source, 'utf8')).replace("?? 'Hello'", "?? 'Howdy'"));
  const second = (await packWithCli(plugin.dir)).tarball;
  expect(second.equals(first)).toBe(false);
  const res = await host.call('POST', '/v1/plugins/upload', { raw: second });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ plugin: { name: 'hello', version: '1.0.0', enabled: true }, replaced: '1.0.0' });
  expect((await greet()).output).toEqual({ message: 'Howdy, Ada!' });
  expect((await count()).output.visits).toBe(2);
  expect((await host.call('GET', '/v1/plugins/hello')).body.granted).toEqual({ kv: true });

  // The very same bytes once more: still installed, enabled and answering.
  expect((await host.call('POST', '/v1/plugins/upload', { raw: second })).status).toBe(201);
  expect((await greet()).output).toEqual({ message: 'Howdy, Ada!' });
});
