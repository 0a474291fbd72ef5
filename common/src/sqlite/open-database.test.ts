import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { openDatabase } from './open-database.ts';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function file(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'easel-open-db-'));
  dirs.push(dir);
  return join(dir, 'test.db');
}

// SQLite reads back synchronous as a number: 1 NORMAL, 2 FULL.
test('a database file is in WAL mode and syncs every commit (FULL) unless NORMAL is asked for', async () => {
  const full = await openDatabase(await file(), []);
  expect(full.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(full.pragma('synchronous', { simple: true })).toBe(2);
  full.close();
  const normal = await openDatabase(await file(), [], { synchronous: 'normal' });
  expect(normal.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(normal.pragma('synchronous', { simple: true })).toBe(1);
  normal.close();
});
