/**
 * On first start (EASEL_FIRST_PARTY_PLUGINS, default on) the host installs the first-party
 * plugins in plugins-external/ (dependencies first) and enables them with what they request: packed from their
 * folders with the SDK (EASEL_FIRST_PARTY_SOURCE=folder, the default), or installed by range
 * from the configured registry, as any admin install is (=registry; `./run start
 * --with-registry` publishes them there first). A marker file remembers which were done, so
 * an admin's later uninstall sticks; a later start upgrades one the marker lists when its
 * folder holds a newer version. A first-party plugin that fails to pack, install or load
 * stops the start: never logged and skipped.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import semver from 'semver';
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
  const installed: string[] = [];
  for (const { folder, name, version } of await firstPartyFolders(dir)) {
    if (done.has(folder)) {
      await upgradeIfOlder(plugins, log, source, join(dir, folder), name, version);
      continue;
    }
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

interface FirstPartyFolder {
  folder: string;
  name: string;
  version: string;
  dependencies: string[];
}

/** The first-party plugin folders, each after the first-party plugins it depends on (then by name). */
async function firstPartyFolders(dir: string): Promise<FirstPartyFolder[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'plugin.json')));
  const folders = await Promise.all(
    entries.map(async (e): Promise<FirstPartyFolder> => {
      const manifest = JSON.parse(await readFile(join(dir, e.name, 'plugin.json'), 'utf8')) as { name: string; version: string; dependencies?: Record<string, string> };
      return { folder: e.name, name: manifest.name, version: manifest.version, dependencies: Object.keys(manifest.dependencies ?? {}) };
    }),
  );
  const byName = new Map(folders.map((f) => [f.name, f] as const));
  const ordered: FirstPartyFolder[] = [];
  const visiting = new Set<string>();
  const visit = (f: FirstPartyFolder) => {
    if (ordered.includes(f) || visiting.has(f.name)) return;
    visiting.add(f.name);
    for (const dep of [...f.dependencies].sort()) {
      const found = byName.get(dep);
      if (found) visit(found);
    }
    ordered.push(f);
  };
  for (const f of [...folders].sort((a, b) => a.folder.localeCompare(b.folder))) visit(f);
  return ordered;
}

/**
 * A first-party plugin installed by an earlier start whose folder now holds a newer version is
 * upgraded (its grant and config kept), so that a newer first-party dependent finds it in range.
 * One an admin uninstalled stays uninstalled; one at the same or a newer version is left alone.
 */
async function upgradeIfOlder(plugins: PluginService, log: FastifyBaseLogger, source: FirstPartySource, folder: string, name: string, version: string): Promise<void> {
  const current = (await plugins.list()).find((p) => p.name === name);
  if (!current || !semver.valid(current.version) || !semver.lt(current.version, version)) return;
  if (source.kind === 'folder') await uploadFolder(plugins, folder);
  else await installFromRegistry(source.installer, folder);
  log.info({ plugin: name, from: current.version, to: version, source: source.kind }, 'first-party plugin upgraded');
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
