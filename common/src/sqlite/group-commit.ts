/**
 * Group commit: writes queued during one event-loop turn run together in one transaction,
 * so under load many callers share one commit (and, with synchronous=FULL, one WAL sync)
 * instead of paying one each. Repositories of one connection share its group commit
 * (`groupCommitOf`), so an execution's row, its events and its usage written in one turn are
 * one transaction, not one per repository. Every caller's promise settles only after its batch committed; a write that fails
 * rejects its own caller and leaves the others' writes in place (SQLite rolls back only the
 * failing statement).
 */
import type { Database } from 'better-sqlite3';

interface Pending {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  #db: Database;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(db: Database) {
    this.#db = db;
  }

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.#db.transaction(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: item.write() });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) item.resolve(outcome.value);
      else item.reject(outcome?.error);
    });
  }
}

const shared = new WeakMap<Database, GroupCommit>();

/** The group commit of a connection: every writer on `db` that uses it shares its transactions. */
export function groupCommitOf(db: Database): GroupCommit {
  let writes = shared.get(db);
  if (writes === undefined) {
    writes = new GroupCommit(db);
    shared.set(db, writes);
  }
  return writes;
}
