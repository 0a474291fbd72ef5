import Database from 'better-sqlite3';
import { expect, test } from 'vitest';
import { GroupCommit, groupCommitOf } from './group-commit.ts';

function db() {
  const d = new Database(':memory:');
  d.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  return d;
}

test('writes queued in one turn commit in one transaction; each caller gets its own result', async () => {
  const d = db();
  const commits: number[] = [];
  let txCount = 0;
  const writes = new GroupCommit(d);
  const insert = d.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const results = await Promise.allSettled([
    writes.run(() => { txCount = d.inTransaction ? txCount + 1 : txCount; return insert.run(1, 'a').changes; }),
    writes.run(() => insert.run(1, 'duplicate').changes),
    writes.run(() => { commits.push(d.inTransaction ? 1 : 0); return insert.run(2, 'b').changes; }),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  expect(txCount).toBe(1);
  expect(commits).toEqual([1]);
  // The failed write rolled back alone; its neighbours stayed.
  expect(d.prepare('SELECT id, v FROM t ORDER BY id').all()).toEqual([{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
});

test('a batch whose commit fails rejects every caller and stores nothing', async () => {
  const d = db();
  const writes = new GroupCommit(d);
  const insert = d.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  const results = await Promise.allSettled([
    writes.run(() => insert.run(1, 'a')),
    writes.run(() => {
      // Closing the connection mid-batch makes the commit itself fail.
      d.close();
      return 0;
    }),
  ]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
});

test('the writers of one connection share its group commit: their writes in one turn are one transaction', async () => {
  const d = db();
  let transactions = 0;
  const begin = d.transaction.bind(d);
  // Counts the transactions the group commit opens on the real connection.
  d.transaction = ((fn: Parameters<typeof begin>[0]) => {
    transactions++;
    return begin(fn);
  }) as typeof d.transaction;
  const insert = d.prepare('INSERT INTO t (id, v) VALUES (?, ?)');
  // As two repositories of one store would.
  const executions = groupCommitOf(d);
  const events = groupCommitOf(d);
  await Promise.all([executions.run(() => insert.run(1, 'row')), events.run(() => insert.run(2, 'event'))]);
  expect(transactions).toBe(1);
  expect(executions).toBe(events);
  expect(groupCommitOf(db())).not.toBe(executions);
  expect(d.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2 });
});
