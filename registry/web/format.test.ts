/**
 * The marketplace page's words (format.ts) and its link rule (h.ts pageHref): what a plugin
 * asks for in plain language, sizes, limits; which addresses the page's own links may carry.
 */
import { describe, expect, it } from 'vitest';
import { authorName, bytes, day, limitLines, permissionLines, permissionTags } from './format.ts';
import { pageHref } from './h.ts';

describe('format', () => {
  it('every permission a manifest can ask for is one line and one tag', () => {
    const all = { kv: true, storage: { read: true, write: true }, models: { tasks: ['text', 'image'], maxTier: 'standard' }, agents: ['canvas/painter', 'poster/writer'] };
    expect(permissionLines(all)).toEqual([
      'Calls AI models for text, image tasks, up to the standard tier (billed to whoever runs it)',
      'Reads and writes files in its own blob storage',
      'Keeps data in its own key-value store',
      'Calls agents of other plugins: canvas/painter, poster/writer',
    ]);
    expect(permissionTags(all)).toEqual(['models: text/image', 'storage: read/write', 'kv', 'calls 2 agents']);
  });

  it('read-only and write-only storage, one agent, and nothing asked', () => {
    expect(permissionLines({ storage: { read: true } })).toEqual(['Reads files in its own blob storage']);
    expect(permissionLines({ storage: { write: true } })).toEqual(['Writes files to its own blob storage']);
    expect(permissionTags({ storage: { write: true }, agents: ['a/b'] })).toEqual(['storage: write', 'calls 1 agent']);
    for (const none of [{}, { kv: false }, { storage: { read: false, write: false } }, { agents: [] }]) {
      expect(permissionLines(none)).toEqual([]);
      expect(permissionTags(none)).toEqual([]);
    }
  });

  it('limits, sizes, dates and authors', () => {
    expect(limitLines(undefined)).toEqual([]);
    expect(limitLines({ memoryMb: 64, timeoutMs: 30_000, cpuMs: 5000 })).toEqual(['Memory: up to 64 MB per isolate', 'Time: up to 30000 ms per call', 'CPU: up to 5000 ms per call']);
    expect(limitLines({ cpuMs: 0 })).toEqual(['CPU: up to 0 ms per call']);
    expect([bytes(0), bytes(1023), bytes(1536), bytes(5 * 1024 * 1024)]).toEqual(['0 B', '1023 B', '1.5 KB', '5.0 MB']);
    expect(day('2025-03-04T05:06:07.000Z')).toBe('2025-03-04');
    expect(authorName('Ada')).toBe('Ada');
    expect(authorName({ name: 'Ada', email: 'ada@example.com' })).toBe('Ada');
  });
});

describe('pageHref (every href the page sets, from package data or its own routes)', () => {
  it('keeps the page\'s routes, registry-relative paths and absolute http(s) or mailto URLs', () => {
    expect(pageHref('#/plugin/%40scope%2Fname/1.0.0')).toBe('#/plugin/%40scope%2Fname/1.0.0');
    expect(pageHref('#/?q=social')).toBe('#/?q=social');
    expect(pageHref('../docs')).toBe('../docs');
    expect(pageHref('https://example.com/home')).toBe('https://example.com/home');
  });

  it('drops script, data and other schemes, and routes with characters a route never has', () => {
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', '//evil.example', '/absolute', '#/x"onclick="y', '#/<b>', '../x y', 'vbscript:x']) {
      expect(pageHref(bad), bad).toBeUndefined();
    }
  });
});
