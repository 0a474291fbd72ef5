/**
 * The marketplace API as the page reads it (docs/reference/registry.md, `/-/openapi.json`).
 * URLs are relative to the page (`<registry>/-/marketplace/`), so a registry served under a
 * path prefix works as well.
 */

export interface Permissions {
  kv?: boolean;
  storage?: { read?: boolean; write?: boolean };
  models?: { tasks: string[]; maxTier: string };
  agents?: string[];
}

export interface PluginSummary {
  name: string;
  description: string;
  latest: string;
  distTags: Record<string, string>;
  keywords: string[];
  license: string;
  author: string | { name: string; email?: string; url?: string };
  homepage?: string;
  hostRange: string;
  agents: { type: string; description: string; capabilities: string[] }[];
  workflows: { type: string; description: string }[];
  permissions: Permissions;
  dependencies: Record<string, string>;
  owners: string[];
  downloads: number;
  deprecated: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PluginVersion {
  version: string;
  publishedAt: string;
  publisher: string;
  hostRange: string;
  dependencies: Record<string, string>;
  integrity: string;
  size: number;
  fileCount: number;
  unpackedSize: number;
  tags: string[];
  deprecated: string | null;
  yanked: { at: string; reason: string } | null;
  downloads: number;
}

export interface PluginDetail extends PluginSummary {
  versions: PluginVersion[];
  unpublished: { version: string; unpublishedAt: string }[];
  readme: string | null;
  changelog: string | null;
}

export interface Manifest {
  permissions?: Permissions;
  limits?: { memoryMb?: number; timeoutMs?: number; cpuMs?: number };
  routes?: { method: string; path: string }[];
  config?: unknown;
}

export interface PluginVersionDetail extends PluginVersion {
  name: string;
  manifest: Manifest;
  readme: string | null;
  changelog: string | null;
}

export interface Downloads {
  name: string;
  total: number;
  versions: Record<string, number>;
  days: { day: string; count: number }[];
}

/** An answer that is not 2xx, with the registry's code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The registry's root URL (no trailing slash), as this page sees it. */
export function registryUrl(): string {
  return new URL('../../', window.location.href).href.replace(/\/$/, '');
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(new URL(`../../api/v1/${path}`, window.location.href), { headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) throw new ApiError(res.status, body.code ?? 'ERROR', body.message ?? `${res.status}`);
  return body as T;
}

const seg = encodeURIComponent;

export const api = {
  search: (q: string, offset: number, limit = 20) =>
    get<{ total: number; offset: number; limit: number; packages: PluginSummary[] }>(`packages?${new URLSearchParams({ q, offset: String(offset), limit: String(limit) })}`),
  plugin: (name: string) => get<PluginDetail>(`packages/${seg(name)}`),
  version: (name: string, version: string) => get<PluginVersionDetail>(`packages/${seg(name)}/versions/${seg(version)}`),
  downloads: (name: string) => get<Downloads>(`packages/${seg(name)}/downloads`),
};
