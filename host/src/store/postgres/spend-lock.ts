/**
 * Every write to an app's month of spend (a hold, its release, a charge) first takes that app's
 * advisory lock for the rest of its transaction. Holds are decided by reading spend and
 * reserved and then writing them: the lock makes that read-then-write one step across every
 * connection and every replica, so concurrent reservations cannot together pass a budget, and
 * writers never wait on each other's rows in opposite orders (no deadlocks).
 */
import type { Queryable } from './database.ts';

export async function lockSpendOf(db: Queryable, appIds: Iterable<string>): Promise<void> {
  // Always in one order, so two transactions locking several apps cannot each hold what the other waits for.
  for (const appId of [...new Set(appIds)].sort()) await db.query("SELECT pg_advisory_xact_lock(hashtextextended('easel-spend:' || $1, 0))", [appId]);
}
