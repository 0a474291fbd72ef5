/**
 * The lowercase text a package is found by: name, description and keywords, plus a plugin's
 * agents and workflows (a library has no manifest: its version document's fields count).
 */
import type { PluginManifest } from '@easel/sdk';
import type { VersionDoc } from '../types.ts';
import type { LatestRow } from './rows.ts';

export type Searchable = { kind: 'plugin'; manifest: PluginManifest } | { kind: 'library'; doc: VersionDoc };

export function searchText(name: string, latest: Searchable): string {
  const parts = latest.kind === 'plugin' ? pluginParts(latest.manifest) : libraryParts(latest.doc);
  return [name, ...parts].join('\n').toLowerCase();
}

function pluginParts(m: PluginManifest): string[] {
  return [
    m.description,
    ...(m.keywords ?? []),
    ...m.agents.flatMap((a) => [a.type, a.description, ...a.capabilities.map((c) => c.name)]),
    ...(m.workflows ?? []).flatMap((w) => [w.type, w.description]),
  ];
}

function libraryParts(doc: VersionDoc): string[] {
  const keywords = Array.isArray(doc.keywords) ? doc.keywords.filter((k): k is string => typeof k === 'string') : [];
  return [typeof doc.description === 'string' ? doc.description : '', ...keywords];
}

/** The search text from the latest live version's row; just the name when none is live. */
export function searchTextOf(name: string, latest: LatestRow | undefined): string {
  if (!latest) return name;
  return searchText(name, latest.kind === 'plugin' ? { kind: 'plugin', manifest: JSON.parse(latest.manifest) } : { kind: 'library', doc: JSON.parse(latest.doc) });
}
