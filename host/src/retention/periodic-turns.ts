/**
 * Periodic work (the retention purge, the blob sweep) on a store several hosts share: one host
 * does a job at a time. The turn is held for two periods and a minute, so a run that starts late
 * after a long one does not hand it over; a host that stops cleanly hands it over at once, one
 * that dies when the hold lapses. On a store of one host (SQLite), it is always that host's turn.
 */
import type { Store } from '../store/index.ts';

/** Asks whether it is this host's turn to run `job`, which it runs every `periodMs`. */
export function periodicTurns(store: Pick<Store, 'periodicTurn'>, job: string, periodMs: number): () => Promise<boolean> {
  if (!store.periodicTurn) return () => Promise.resolve(true);
  const holdMs = 2 * periodMs + 60_000;
  return () => store.periodicTurn!(job, holdMs);
}
