/** The rules between installed plugins and their dependencies (enable, disable, uninstall). */
import semver from 'semver';
import { EaselError } from '../errors/index.ts';
import type { Dependent, InstalledNode } from '../resolver/index.ts';
import type { InstalledPlugin } from '../store/index.ts';

export function graphOf(plugins: InstalledPlugin[]): Record<string, InstalledNode> {
  return Object.fromEntries(plugins.map((p) => [p.name, { version: p.version, dependencies: p.manifest.dependencies ?? {} }]));
}

export function inUse(name: string, action: string, dependents: Dependent[]): EaselError {
  const list = dependents.map((d) => `${d.name}@${d.version} (${d.range})`).join(', ');
  return new EaselError('PLUGIN_IN_USE', { action, plugin: name, dependents: list }, { dependents });
}

/** Dependencies of `plugin` that are missing, out of range or disabled. */
export async function unmetDependencies(
  plugin: InstalledPlugin,
  lookup: (name: string) => Promise<InstalledPlugin | undefined>,
): Promise<{ name: string; range: string; found: string }[]> {
  const problems: { name: string; range: string; found: string }[] = [];
  for (const [dep, range] of Object.entries(plugin.manifest.dependencies ?? {})) {
    const found = await lookup(dep);
    if (!found) problems.push({ name: dep, range, found: 'not installed' });
    else if (!semver.satisfies(found.version, range, { includePrerelease: true })) problems.push({ name: dep, range, found: `${found.version} (out of range)` });
    else if (!found.enabled) problems.push({ name: dep, range, found: `${found.version} (disabled)` });
  }
  return problems;
}
