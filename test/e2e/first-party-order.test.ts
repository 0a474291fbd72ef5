/**
 * First-party installs: a plugin folder is installed after the first-party plugins it depends
 * on, whatever the folders are called; a later start upgrades one its marker lists when the
 * folder holds a newer version (so a newer dependent finds it in range), and leaves alone one
 * an admin uninstalled.
 */
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { installFirstPartyPlugins } from '../../host/src/first-party.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { REPO } from '../helpers/pack.ts';

let host: RunningHost;
let dir: string;

/** A first-party folder as plugins-external/ has them: the plugin's files and the SDK in node_modules. */
async function folder(name: string, fixture: string): Promise<void> {
  const target = join(dir, name);
  for (const entry of ['plugin.json', 'src']) await cp(resolve(REPO, 'test/fixtures/plugins', fixture, entry), join(target, entry), { recursive: true });
  await mkdir(join(target, 'node_modules', '@easel'), { recursive: true });
  await symlink(join(REPO, 'sdk'), join(target, 'node_modules', '@easel', 'sdk'), 'dir');
}

async function setVersion(name: string, version: string): Promise<void> {
  const file = join(dir, name, 'plugin.json');
  await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), version }));
}

beforeAll(async () => {
  host = await startHost();
  dir = await mkdtemp(join(tmpdir(), 'easel-first-party-'));
  // Named so that alphabetical order would install the dependent first.
  await folder('a-dependent', 'bytes-caller');
  await folder('z-dependency', 'bytes-source');
});
afterAll(async () => {
  await host?.close();
  await rm(dir, { recursive: true, force: true });
});

test('dependencies first; enabled with what they request; a newer folder version upgrades; an uninstall sticks', async () => {
  const { plugins } = host.host;
  const log = host.host.app.log;
  expect(await installFirstPartyPlugins(plugins, host.dataDir, log, { kind: 'folder' }, dir)).toEqual(['bytes-source', 'bytes-caller']);
  const caller = await plugins.get('bytes-caller');
  expect(caller).toMatchObject({ enabled: true, version: '1.0.0' });
  expect(await plugins.grantOf('bytes-caller')).toEqual(caller.manifest.permissions);

  // Nothing new, nothing newer: a second start does nothing.
  expect(await installFirstPartyPlugins(plugins, host.dataDir, log, { kind: 'folder' }, dir)).toEqual([]);
  expect((await plugins.get('bytes-source')).version).toBe('1.0.0');

  await setVersion('z-dependency', '1.1.0');
  expect(await installFirstPartyPlugins(plugins, host.dataDir, log, { kind: 'folder' }, dir)).toEqual([]);
  expect(await plugins.get('bytes-source')).toMatchObject({ version: '1.1.0', enabled: true });

  expect((await host.call('DELETE', '/v1/plugins/bytes-caller')).status).toBe(200);
  await setVersion('a-dependent', '1.0.1');
  await installFirstPartyPlugins(plugins, host.dataDir, log, { kind: 'folder' }, dir);
  expect((await host.call('GET', '/v1/plugins/bytes-caller')).status).toBe(404);
});
