/** The asset list tidied: ids made from names, sorted by priority, capped, and counted. */
import type { AssetRequirement, AssetSummary, AssetType } from './schemas/assets.ts';
import { ASSET_TYPES } from './schemas/assets.ts';
import { PRIORITIES, type Priority } from './schemas/common.ts';

/** A lowercase ASCII id from a name; names with no ASCII letters or digits get `<type>-<n>`. */
export function slug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
}

/** Ids unique in the list: `hero`, `hero-2`, …; a name with no ASCII letter (a Korean one, say) becomes `<type>-<position>`. */
export function assignIds<T extends { name: string; type: AssetType; id?: string }>(assets: T[]): (T & { id: string })[] {
  const used = new Set<string>();
  return assets.map((asset, i) => {
    const made = slug(asset.name);
    const base = asset.id && /^[a-z0-9][a-z0-9-]*$/.test(asset.id) ? asset.id : /[a-z]/.test(made) ? made : `${asset.type}-${i + 1}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    const { id: _given, ...rest } = asset;
    return { id, ...rest } as T & { id: string };
  });
}

const RANK: Readonly<Record<Priority, number>> = { high: 0, medium: 1, low: 2 };

/** High priority first, the model's order kept within a priority; at most `max`. */
export function prioritize<T extends { priority: Priority }>(assets: T[], max: number): T[] {
  return assets
    .map((asset, i) => ({ asset, i }))
    .sort((a, b) => RANK[a.asset.priority] - RANK[b.asset.priority] || a.i - b.i)
    .slice(0, max)
    .map((x) => x.asset);
}

export function summarize(assets: AssetRequirement[]): AssetSummary {
  const byType = Object.fromEntries(ASSET_TYPES.map((t) => [t, 0])) as Record<AssetType, number>;
  const byPriority = Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>;
  for (const a of assets) {
    byType[a.type]++;
    byPriority[a.priority]++;
  }
  return { total: assets.length, byType, byPriority };
}
