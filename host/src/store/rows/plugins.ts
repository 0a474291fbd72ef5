/** Plugin rows as both stores keep them. */
import type { InstalledPlugin } from '../types.ts';

export interface PluginRow {
  name: string;
  version: string;
  manifest: string;
  /** 0/1 in SQLite, a boolean in PostgreSQL. */
  enabled: number | boolean;
  integrity: string;
  script_sha256: string;
  path: string;
  files: string;
  installed_at: string;
  updated_at: string;
}

export const toPlugin = (row: PluginRow): InstalledPlugin => ({
  name: row.name,
  version: row.version,
  manifest: JSON.parse(row.manifest),
  enabled: row.enabled === 1 || row.enabled === true,
  integrity: row.integrity,
  scriptSha256: row.script_sha256,
  path: row.path,
  files: JSON.parse(row.files),
  installedAt: row.installed_at,
  updatedAt: row.updated_at,
});
