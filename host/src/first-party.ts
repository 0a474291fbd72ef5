/**
 * On first start (EASEL_FIRST_PARTY_PLUGINS, default on) the host installs the first-party
 * plugins in plugins-external/ and enables them with what they request: packed from their
 * folders with the SDK (EASEL_FIRST_PARTY_SOURCE=folder, the default), or installed by range
 * from the configured registry, as any admin install is (=registry; `./run start
 * --with-registry` publishes them there first). A marker file remembers which were done, so
 * an admin's later uninstall sticks. A first-party plugin that fails to pack, install or load
 * stops the start: never logged and skipped.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { packPlugin } from '@easel/sdk/bundle';
import type { PluginService } from './plugins/index.ts';
import type { RegistryInstaller } from './registries/index.ts';

/** Where first-party plugins come from: their folders, or the registry (by `^<folder version>`). */
export type FirstPartySource = { kind: 'folder' } | { kind: 'registry'; installer: RegistryInstaller };

export const FIRST_PARTY_DIR = fileURLToPath(new URL('../../plugins-external/', import.meta.url));
const ACTOR = 'host:first-party';

export async function installFirstPartyPlugins(plugins: PluginService, dataDir: string, log: FastifyBaseLogger, source: FirstPartySource = { kind: 'folder' }, dir = FIRST_PARTY_DIR): Promise<string[]> {
  const markerFile = join(dataDir, 'first-party-installed.json');
  const done = new Set<string>(existsSync(markerFile) ? (JSON.parse(await readFile(markerFile, 'utf8')) as string[]) : []);
  const folders = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'plugin.json')));
  const installed: string[] = [];
  for (const folder of folders.map((e) => e.name).sort()) {
    if (done.has(folder)) continue;
    const names = source.kind === 'folder' ? [await uploadFolder(plugins, join(dir, folder))] : await installFromRegistry(source.installer, join(dir, folder));
    for (const name of names) {
      const plugin = await plugins.get(name);
      if (!plugin.enabled) await plugins.enable(name, plugin.manifest.permissions ?? {}, ACTOR);
      log.info({ plugin: name, version: plugin.version, source: source.kind }, 'first-party plugin installed and enabled');
      installed.push(name);
    }
    done.add(folder);
    await writeFile(markerFile, JSON.stringify([...done].sort()));
  }
  return installed;
}

async function uploadFolder(plugins: PluginService, folder: string): Promise<string> {
  const packed = await packPlugin(folder);
  return (await plugins.upload(packed.tarball, ACTOR)).plugin.name;
}

/** Installs the folder's plugin by `^<its version>` from the registry; dependencies first. */
async function installFromRegistry(installer: RegistryInstaller, folder: string): Promise<string[]> {
  const { name, version } = JSON.parse(await readFile(join(folder, 'plugin.json'), 'utf8')) as { name: string; version: string };
  return (await installer.install([{ name, range: `^${version}` }], false, ACTOR)).order;
}
