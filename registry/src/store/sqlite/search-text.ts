/** The lowercase text a package is found by: name, description, keywords, agents and workflows. */
import type { PluginManifest } from '@easel/sdk';

export function searchText(name: string, m: PluginManifest): string {
  const parts = [
    name,
    m.description,
    ...(m.keywords ?? []),
    ...m.agents.flatMap((a) => [a.type, a.description, ...a.capabilities.map((c) => c.name)]),
    ...(m.workflows ?? []).flatMap((w) => [w.type, w.description]),
  ];
  return parts.join('\n').toLowerCase();
}
