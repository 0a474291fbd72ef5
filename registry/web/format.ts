/** Words for the page: sizes, dates, permissions in plain language. */
import type { Manifest, Permissions, PluginSummary } from './api.ts';

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function day(iso: string): string {
  return iso.slice(0, 10);
}

export function authorName(author: PluginSummary['author']): string {
  return typeof author === 'string' ? author : author.name;
}

/** What a plugin asks for, one line each; empty when it asks for nothing. */
export function permissionLines(p: Permissions): string[] {
  const lines: string[] = [];
  if (p.models) lines.push(`Calls AI models for ${p.models.tasks.join(', ')} tasks, up to the ${p.models.maxTier} tier (billed to whoever runs it)`);
  if (p.storage?.read && p.storage.write) lines.push('Reads and writes files in its own blob storage');
  else if (p.storage?.read) lines.push('Reads files in its own blob storage');
  else if (p.storage?.write) lines.push('Writes files to its own blob storage');
  if (p.kv) lines.push('Keeps data in its own key-value store');
  if (p.agents && p.agents.length > 0) lines.push(`Calls agents of other plugins: ${p.agents.join(', ')}`);
  return lines;
}

/** One short word per permission, for listings. */
export function permissionTags(p: Permissions): string[] {
  const tags: string[] = [];
  if (p.models) tags.push(`models: ${p.models.tasks.join('/')}`);
  if (p.storage?.read || p.storage?.write) tags.push(`storage: ${[p.storage.read && 'read', p.storage.write && 'write'].filter(Boolean).join('/')}`);
  if (p.kv) tags.push('kv');
  if (p.agents && p.agents.length > 0) tags.push(`calls ${p.agents.length} agent${p.agents.length === 1 ? '' : 's'}`);
  return tags;
}

export function limitLines(limits: Manifest['limits']): string[] {
  if (!limits) return [];
  return [
    limits.memoryMb !== undefined && `Memory: up to ${limits.memoryMb} MB per isolate`,
    limits.timeoutMs !== undefined && `Time: up to ${limits.timeoutMs} ms per call`,
    limits.cpuMs !== undefined && `CPU: up to ${limits.cpuMs} ms per call`,
  ].filter((l): l is string => typeof l === 'string');
}
