/** Blob metadata rows as both stores keep them. */
import type { BlobRecord } from '../types.ts';
import { EaselError } from '../../errors/index.ts';
import { defined } from './common.ts';

export interface BlobRow {
  id: string;
  plugin: string;
  key: string;
  object_key: string;
  content_type: string;
  size: number;
  sha256: string;
  execution_id: string | null;
  app_id: string | null;
  created_at: string;
  expires_at: string | null;
}

export const toBlobRecord = (r: BlobRow): BlobRecord =>
  defined({
    id: r.id,
    pluginName: r.plugin,
    key: r.key,
    objectKey: r.object_key,
    contentType: r.content_type,
    size: r.size,
    sha256: r.sha256,
    executionId: r.execution_id ?? undefined,
    appId: r.app_id ?? undefined,
    createdAt: r.created_at,
    expiresAt: r.expires_at ?? undefined,
  });

/** Orders strings as SQLite's BINARY collation does for UTF-8 text: by code point, not UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]!.codePointAt(0) as number) - (y[i]!.codePointAt(0) as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** STORAGE_QUOTA_EXCEEDED when a plugin's totals after a write (`after`) pass its limits; `usage`: before it. */
export function checkQuota(plugin: string, usage: { bytes: number; objects: number }, after: { bytes: number; objects: number }, limits: { maxBytes: number; maxObjects: number }): void {
  if (after.bytes <= limits.maxBytes && after.objects <= limits.maxObjects) return;
  throw new EaselError('STORAGE_QUOTA_EXCEEDED', { plugin, maxBytes: limits.maxBytes, maxObjects: limits.maxObjects }, {
    usedBytes: usage.bytes,
    usedObjects: usage.objects,
    maxBytes: limits.maxBytes,
    maxObjects: limits.maxObjects,
  });
}
