/** Retention: TTLs per kind of record, a background purge in small batches, and passes on demand. */
export { Retention, PURGE_KINDS, type PurgeKind, type PurgeReport, type PurgeRequest, type Purged } from './retention.ts';
export { periodicTurns } from './periodic-turns.ts';
