/**
 * On first start (EASEL_FIRST_PARTY_PLUGINS, default on) the host packs the first-party
 * plugins in plugins-external/ with the SDK, installs them and enables them with what they
 * request. A marker file remembers which were done, so an admin's later uninstall sticks.
 * A first-party plugin that fails to pack or load stops the start: never logged and skipped.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';
import { packPlugin } from '@easel/sdk/bundle';
import type { PluginService } from './plugins/index.ts';

export const FIRST_PARTY_DIR = fileURLToPath(new URL('../../plugins-external/', import.meta.url));
const ACTOR = 'host:first-party';

export async function installFirstPartyPlugins(plugins: PluginService, dataDir: string, log: FastifyBaseLogger, dir = FIRST_PARTY_DIR): Promise<string[]> {
  const markerFile = join(dataDir, 'first-party-installed.json');
  const done = new Set<string>(existsSync(markerFile) ? (JSON.parse(await readFile(markerFile, 'utf8')) as string[]) : []);
  const folders = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'plugin.json')));
  const installed: string[] = [];
  for (const folder of folders.map((e) => e.name).sort()) {
    if (done.has(folder)) continue;
    const packed = await packPlugin(join(dir, folder));
    const { plugin } = await plugins.upload(packed.tarball, ACTOR);
    await plugins.enable(plugin.name, plugin.manifest.permissions ?? {}, ACTOR);
    log.info({ plugin: plugin.name, version: plugin.version }, 'first-party plugin installed and enabled');
    done.add(folder);
    installed.push(plugin.name);
    await writeFile(markerFile, JSON.stringify([...done].sort()));
  }
  return installed;
}
