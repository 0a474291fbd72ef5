/**
 * Retention: what the host keeps for how long. Finished executions (with their steps and event
 * logs), event logs on their own, model usage rows and audit rows go once older than their
 * configured days; blobs go once expired (a TTL their plugin set, or the host's default given
 * at write). A pass takes one batch of each kind, oldest first, each in a short transaction of
 * its own (the store's purge methods), yielding to the event loop between them; a kind with
 * more due is taken up again by the next pass, which then follows soon. Queued and running
 * executions, and anything of theirs, are never purged.
 */
import type { HostConfig } from '../config/index.ts';
import type { BlobService } from '../storage/index.ts';
import type { Store } from '../store/index.ts';
import { periodicTurns } from './periodic-turns.ts';

export type PurgeKind = 'executions' | 'events' | 'usage' | 'audit' | 'blobs';

/** In the order a pass takes them: event logs before the executions they belong to. */
export const PURGE_KINDS: readonly PurgeKind[] = ['events', 'executions', 'usage', 'audit', 'blobs'];

/** What a pass removed, by what was deleted: steps and events go with executions too. */
export interface Purged {
  executions: number;
  steps: number;
  events: number;
  usage: number;
  audit: number;
  blobs: number;
  /** The bytes of the expired blobs, given back to their plugins' quotas. */
  blobBytes: number;
}

export interface PurgeReport {
  /** When the pass ran (ISO): blobs expired by then went. */
  at: string;
  removed: Purged;
  /** Kinds that had more due than one batch takes; the next pass goes on with them. */
  more: PurgeKind[];
  /** The cut-off each kind used (ISO): what was older went. null: the kind was not purged (kept for ever, or not asked for). */
  cutoffs: Record<Exclude<PurgeKind, 'blobs'>, string | null>;
}

export interface PurgeRequest {
  /** Default: every kind. */
  kinds?: readonly PurgeKind[];
  /** Instead of each time-based kind's configured days: what is older than this (ISO) goes. Blobs go by their expiry only. */
  before?: string;
}

export interface RetentionDeps {
  store: Pick<Store, 'executions' | 'executionEvents' | 'usage' | 'audit' | 'periodicTurn'>;
  blobs: Pick<BlobService, 'expire'>;
  config: RetentionConfig;
  metrics?: { countPurged(removed: Purged): void };
  logger: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** Milliseconds since the epoch; default Date.now. */
  now?: () => number;
}

type RetentionConfig = HostConfig['retention'];

const DAY_MS = 86_400_000;
/** How soon the next pass follows one that left a kind with more due. */
const CATCH_UP_MS = 100;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Retention {
  #deps: RetentionDeps;
  #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Passes run one at a time: the background's and an admin's queue behind each other. */
  #queue: Promise<unknown> = Promise.resolve();
  #myTurn: () => Promise<boolean>;

  constructor(deps: RetentionDeps) {
    this.#deps = deps;
    this.#myTurn = periodicTurns(deps.store, 'retention', deps.config.sweepMs);
    // Read at each pass, not captured: a clock moved in tests (a faked Date) is seen too.
    this.#now = deps.now ?? (() => Date.now());
  }

  /** Starts the background purge (a first pass at once) unless `sweepMs` is 0. */
  start(): void {
    if (this.#deps.config.sweepMs > 0) this.#schedule(0);
  }

  /** Stops the background purge and waits for a pass under way. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#queue.catch(() => undefined);
  }

  /** Runs one pass now (after any pass under way) and answers what it removed. */
  pass(request: PurgeRequest = {}): Promise<PurgeReport> {
    const run = this.#queue.catch(() => undefined).then(() => this.#pass(request));
    this.#queue = run;
    return run;
  }

  /** The cut-off of a time-based kind: the request's `before`, else now minus its days (none when 0). */
  #cutoff(kind: Exclude<PurgeKind, 'blobs'>, nowMs: number, request: PurgeRequest): string | null {
    if (request.kinds !== undefined && !request.kinds.includes(kind)) return null;
    if (request.before !== undefined) return new Date(request.before).toISOString();
    const { executionsDays, eventsDays, usageDays, auditDays } = this.#deps.config;
    const days = { executions: executionsDays, events: eventsDays, usage: usageDays, audit: auditDays }[kind];
    return days > 0 ? new Date(nowMs - days * DAY_MS).toISOString() : null;
  }

  async #pass(request: PurgeRequest): Promise<PurgeReport> {
    const { store, blobs, config } = this.#deps;
    const nowMs = this.#now();
    const cutoffs = {
      executions: this.#cutoff('executions', nowMs, request),
      events: this.#cutoff('events', nowMs, request),
      usage: this.#cutoff('usage', nowMs, request),
      audit: this.#cutoff('audit', nowMs, request),
    };
    const removed: Purged = { executions: 0, steps: 0, events: 0, usage: 0, audit: 0, blobs: 0, blobBytes: 0 };
    const more: PurgeKind[] = [];
    const batch = config.batch;
    for (const kind of PURGE_KINDS) {
      if (kind === 'blobs') {
        if (request.kinds !== undefined && !request.kinds.includes('blobs')) continue;
        const done = await blobs.expire(batch);
        removed.blobs += done.blobs;
        removed.blobBytes += done.bytes;
        if (done.more) more.push(kind);
      } else {
        const cutoff = cutoffs[kind];
        if (cutoff === null) continue;
        let full: boolean;
        if (kind === 'events') {
          const done = await store.executionEvents.purgeFinished(cutoff, batch);
          removed.events += done.events;
          full = done.more;
        } else if (kind === 'executions') {
          const done = await store.executions.purgeFinished(cutoff, batch);
          removed.executions += done.executions;
          removed.steps += done.steps;
          removed.events += done.events;
          full = done.more;
        } else {
          const done = await store[kind].purge(cutoff, batch);
          removed[kind] += done.removed;
          full = done.more;
        }
        if (full) more.push(kind);
      }
      // Each batch is its own transaction; requests get the event loop between them.
      await yieldToEventLoop();
    }
    this.#deps.metrics?.countPurged(removed);
    return { at: new Date(nowMs).toISOString(), removed, more, cutoffs };
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    let behind = false;
    const { sweepMs } = this.#deps.config;
    try {
      // On a store several hosts share, one of them purges at a time (kept while it ticks).
      if (!(await this.#myTurn())) return this.#schedule(sweepMs);
      const report = await this.pass();
      behind = report.more.length > 0;
      const { removed } = report;
      if (removed.executions + removed.steps + removed.events + removed.usage + removed.audit + removed.blobs > 0) {
        this.#deps.logger.info({ removed, more: report.more }, 'retention purge removed old records');
      }
    } catch (err) {
      this.#deps.logger.warn({ err }, 'retention purge failed; retried at the next pass');
    }
    this.#schedule(behind ? Math.min(sweepMs, CATCH_UP_MS) : sweepMs);
  }

}
