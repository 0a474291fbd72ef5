/**
 * Each execution's event stream: numbered in publish order, handed to live subscribers at
 * once, and written behind them (the repository's group commit batches the writes of one
 * event-loop turn into one transaction) so a late subscriber, a reconnect with
 * Last-Event-ID or a subscriber after a restart replays it from the store.
 *
 * Publishing is synchronous so the code that runs an execution never waits on the store. The
 * seq counter of an execution lives in memory from `open` (which reads where the stored log
 * ends) until its `execution.finished` is written.
 *
 * A synchronous agent call's log is `deferred`: while it holds only its lifecycle (queued,
 * started, finished) and nobody subscribed, nothing is written, because its record says the
 * same (the replay rebuilds started and finished from it, `recorded`). Any other event (a step,
 * a delta, progress) or a subscriber writes what was held and the rest as usual. Most agent
 * calls from apps thus cost no event write at all.
 *
 * An event is never silently lost from the history: when its data cannot be stored (not JSON,
 * or refused by the store, whose JSON functions stop at 1,000 levels), a replacement is stored
 * under the same seq and type, keeping the plain top-level fields (an execution.finished keeps
 * its status, error and cost) and saying in `omitted` what is missing and why; it is logged.
 */
import type { FastifyBaseLogger } from 'fastify';
import { jsonLimitProblem } from '@easel/sdk/isolate';
import type { ExecutionEventRecord, ExecutionEventRepository, StoreChanges } from '../store/index.ts';

export interface ExecutionEvent {
  executionId: string;
  /** From 1, per execution, without gaps. */
  seq: number;
  type: string;
  data: unknown;
  at: string;
}

export interface SubscribeOptions {
  /**
   * Called before each replayed event (stored history, then what arrived meanwhile); a promise
   * it returns is awaited first. Lets a slow reader pace the replay (e.g. wait for its
   * socket's 'drain') instead of taking the whole log at once.
   */
  ready?: () => Promise<void> | undefined;
  /**
   * After the history, end instead of waiting when the execution is not open in this process:
   * for executions known to be over whose log has no `execution.finished` (older than the log,
   * or failed at a restart before they could publish it).
   */
  endIfIdle?: boolean;
}

export interface OpenOptions {
  /** An execution created just now, whose log is empty, so the store is not read. */
  fresh?: boolean;
  /** Hold the lifecycle events (queued, started, finished) instead of writing them (see above); needs `fresh`. */
  deferred?: boolean;
}

/** A top-level field of an unstorable event's data is kept in its replacement when it is this small. */
const KEPT_FIELD = { maxDepth: 4, maxNodes: 64 };

/** Types dropped once an execution has `maxEvents` events; steps and the outcome are always kept. */
const DROPPABLE = new Set(['model.delta', 'progress']);
const FINISHED = 'execution.finished';
/** Stored history is replayed in pages of this many events. */
const PAGE = 500;

interface Subscriber {
  /** The highest seq delivered (or skipped by afterSeq). */
  after: number;
  /** Live events that arrived while the history was read; undefined once live. */
  buffer: ExecutionEvent[] | undefined;
  listener: (e: ExecutionEvent) => void;
  onEnd: () => void;
  ended: boolean;
}

interface Pending {
  type: string;
  data: unknown;
  at: string;
}

interface State {
  /** The last seq given; undefined while `open` reads it from the store. */
  seq: number | undefined;
  opened: Promise<void>;
  /** Published before the seq was known, in order. */
  held: Pending[];
  dropped: number;
  finished: boolean;
  /** Settles when every write of this execution handed to the store so far has settled. */
  written: Promise<void>;
  /** Events held back from the store while the log says nothing its record does not; undefined once writing. */
  deferred: ExecutionEvent[] | undefined;
}

/**
 * What a deferred log may hold without being written: the record says the same, but for how
 * long the call was queued, which only a live follower could have seen (the app learns the id
 * with the answer), so a log that is never written leaves it out.
 */
const DEFERRABLE: ReadonlySet<string> = new Set(['execution.queued', 'execution.started', FINISHED]);

export class ExecutionEvents {
  #repo: ExecutionEventRepository;
  #maxEvents: number;
  #log: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  #states = new Map<string, State>();
  #subscribers = new Map<string, Set<Subscriber>>();
  #inflight = new Set<Promise<void>>();
  #recorded: (executionId: string) => Promise<ExecutionEvent[]>;
  #tailMs: number | undefined;
  /** Tails waiting for their execution's log to grow, by execution id (woken by the store's feed). */
  #waking = new Map<string, Set<() => void>>();

  /**
   * `recorded`: the stream of an execution whose log was deferred and never written, rebuilt from
   * its record. `tailMs` (a store other hosts share): a subscriber to an execution that runs on
   * another host reads its stored log every `tailMs` until it ends or this host takes it over.
   */
  constructor(deps: {
    repo: ExecutionEventRepository;
    maxEvents: number;
    logger: Pick<FastifyBaseLogger, 'warn' | 'error'>;
    recorded?: (executionId: string) => Promise<ExecutionEvent[]>;
    tailMs?: number;
    /** The shared store's feed: a tail reads as soon as the log it follows grew, not only every `tailMs`. */
    changes?: StoreChanges;
  }) {
    this.#repo = deps.repo;
    this.#maxEvents = deps.maxEvents;
    this.#log = deps.logger;
    this.#recorded = deps.recorded ?? (async () => []);
    this.#tailMs = deps.tailMs;
    deps.changes?.subscribe(({ events }) => {
      if (events !== undefined) for (const wake of this.#waking.get(events) ?? []) wake();
    });
  }

  /**
   * Prepares an execution for publishing: its seq continues after what the store holds (a
   * resumed execution's stream goes on where it stopped). Call it when the execution starts or
   * resumes, before publishing. Idempotent; rejects when the store cannot be read.
   */
  open(executionId: string, options: OpenOptions = {}): Promise<void> {
    const existing = this.#states.get(executionId);
    if (existing !== undefined) return existing.opened;
    const fresh = options.fresh === true;
    const deferred = fresh && options.deferred === true ? [] : undefined;
    const state: State = { seq: fresh ? 0 : undefined, opened: Promise.resolve(), held: [], dropped: 0, finished: false, written: Promise.resolve(), deferred };
    this.#states.set(executionId, state);
    if (fresh) return state.opened;
    state.opened = this.#repo.lastSeq(executionId).then(
      (last) => {
        state.seq = last;
        const held = state.held;
        state.held = [];
        for (const p of held) this.#emit(executionId, state, p);
      },
      (error: unknown) => {
        if (this.#states.get(executionId) === state) this.#states.delete(executionId);
        if (state.held.length > 0) this.#log.error({ err: error, executionId, lost: state.held.length }, 'execution events lost: the store could not be read');
        throw error;
      },
    );
    return state.opened;
  }

  /**
   * Numbers the event, hands it to live subscribers and queues it for the store. Returns the
   * event, or undefined when it was not published now: dropped past `maxEvents` (model.delta
   * and progress only), published after the execution's `execution.finished` (ignored), or held
   * because the execution was not opened — then it is opened here and the event goes out, in
   * order, as soon as the stored seq is known.
   */
  publish(executionId: string, type: string, data: unknown): ExecutionEvent | undefined {
    const pending: Pending = { type, data, at: new Date().toISOString() };
    const state = this.#states.get(executionId);
    if (state === undefined) {
      this.#log.warn({ executionId, type }, 'execution event published before open');
      this.open(executionId).catch(() => {});
      this.#states.get(executionId)?.held.push(pending);
      return undefined;
    }
    if (state.seq === undefined) {
      state.held.push(pending);
      return undefined;
    }
    return this.#emit(executionId, state, pending);
  }

  /** Events dropped by the cap for an execution open in this process (0 otherwise). */
  dropped(executionId: string): number {
    return this.#states.get(executionId)?.dropped ?? 0;
  }

  /** Whether the execution is open in this process (opened and not finished and released). */
  isOpen(executionId: string): boolean {
    return this.#states.has(executionId);
  }

  /** Open subscriptions of an execution (tests, metrics). */
  subscribers(executionId: string): number {
    return this.#subscribers.get(executionId)?.size ?? 0;
  }

  /**
   * Resolves when the events published so far (of one execution, or of all) have been written.
   * A write the store refused is logged, not thrown: its events stay out of the history.
   */
  async flush(executionId?: string): Promise<void> {
    if (executionId === undefined) {
      while (this.#inflight.size > 0) await Promise.all(this.#inflight);
      return;
    }
    const state = this.#states.get(executionId);
    if (state === undefined) return;
    await state.opened.catch(() => {});
    await state.written;
  }

  /**
   * Delivers every event with seq > `afterSeq` once, in order: the stored history, then live
   * events. `onEnd` is called after `execution.finished` was delivered (at once for a finished
   * execution), or when the history cannot be read; not after unsubscribing. Returns the
   * unsubscribe.
   */
  subscribe(executionId: string, afterSeq: number, listener: (e: ExecutionEvent) => void, onEnd: () => void, options: SubscribeOptions = {}): () => void {
    const sub: Subscriber = { after: afterSeq, buffer: [], listener, onEnd, ended: false };
    // Live first, then the history: whatever is published meanwhile waits in the buffer.
    let subs = this.#subscribers.get(executionId);
    if (subs === undefined) {
      subs = new Set();
      this.#subscribers.set(executionId, subs);
    }
    subs.add(sub);
    // Someone reads it now: what was held goes to the store, where the replay reads it.
    const state = this.#states.get(executionId);
    if (state !== undefined) this.#undefer(state);
    void this.#replay(executionId, sub, options);
    return () => this.#remove(executionId, sub);
  }

  #emit(executionId: string, state: State, pending: Pending): ExecutionEvent | undefined {
    if (state.finished) {
      this.#log.warn({ executionId, type: pending.type }, 'execution event published after execution.finished: ignored');
      return undefined;
    }
    const seq = state.seq ?? 0;
    if (seq >= this.#maxEvents && DROPPABLE.has(pending.type)) {
      if (state.dropped === 0) this.#log.warn({ executionId, maxEvents: this.#maxEvents }, 'execution event cap reached: dropping model.delta and progress');
      state.dropped += 1;
      return undefined;
    }
    const event: ExecutionEvent = { executionId, seq: seq + 1, type: pending.type, data: pending.data, at: pending.at };
    state.seq = event.seq;
    const finished = event.type === FINISHED;
    if (finished) state.finished = true;
    if (state.deferred !== undefined && DEFERRABLE.has(event.type) && !this.#subscribers.has(executionId)) state.deferred.push(event);
    else {
      this.#undefer(state);
      this.#persist(state, event);
    }
    for (const sub of this.#subscribers.get(executionId) ?? []) {
      if (sub.buffer !== undefined) sub.buffer.push(event);
      else this.#deliver(executionId, sub, event);
    }
    if (finished) {
      // Released once written: later subscribers find the whole stream in the store.
      void state.written.then(() => {
        if (this.#states.get(executionId) === state) this.#states.delete(executionId);
      });
    }
    return event;
  }

  /** Writes what a deferred log held, and every event after it. */
  #undefer(state: State): void {
    const held = state.deferred;
    if (held === undefined) return;
    state.deferred = undefined;
    for (const event of held) this.#persist(state, event);
  }

  #persist(state: State, event: ExecutionEvent): void {
    const write = this.#store(event);
    this.#inflight.add(write);
    void write.then(() => this.#inflight.delete(write));
    state.written = Promise.all([state.written, write]).then(() => {});
  }

  /** Writes the event, or its replacement when its data cannot be stored; settles, never rejects. */
  async #store(event: ExecutionEvent): Promise<void> {
    const { executionId, seq, type, at } = event;
    const record = (data: string): ExecutionEventRecord => ({ executionId, seq, type, data, at });
    let why: string;
    try {
      // undefined (a function, a symbol) is stored as null, like JSON.stringify does inside arrays.
      const data = (JSON.stringify(event.data) as string | undefined) ?? 'null';
      try {
        await this.#repo.append([record(data)]);
        return;
      } catch (error) {
        // Live subscribers had it; the history gets the replacement below, under the same seq.
        this.#log.error({ err: error, executionId, seq, type }, 'an execution event could not be stored; storing a replacement');
        why = `the store refused its data${storeCode(error)}`;
      }
    } catch (error) {
      // Not JSON (a cycle, a BigInt, nesting deep enough to overflow the stack).
      this.#log.error({ err: error, executionId, seq, type }, 'execution event data is not JSON; storing a replacement');
      why = `its data is not JSON (${String((error as Error).message ?? error).slice(0, 200)})`;
    }
    try {
      await this.#repo.append([record(JSON.stringify(replacement(event.data, why)))]);
    } catch (error) {
      this.#log.error({ err: error, executionId, seq, type }, 'an execution event and its replacement could not be stored');
    }
  }

  async #replay(executionId: string, sub: Subscriber, options: SubscribeOptions): Promise<void> {
    const paced = async (): Promise<boolean> => {
      const wait = options.ready?.();
      if (wait !== undefined) await wait;
      return !sub.ended;
    };
    try {
      // Everything published before the subscription is in the store after this.
      await this.flush(executionId);
      let stored = false;
      for (;;) {
        if (sub.ended) return;
        const page = await this.#repo.list(executionId, sub.after, PAGE);
        stored ||= page.length > 0;
        let gap = false;
        for (const record of page) {
          if (!(await paced())) return;
          // Written by another host, a later event can commit before an earlier one: stop at a
          // gap (the tail below reads on once it is filled) rather than skip past it.
          if (this.#tailMs !== undefined && record.seq !== sub.after + 1) {
            gap = true;
            break;
          }
          this.#deliver(executionId, sub, fromStored(record));
        }
        if (gap || page.length < PAGE) break;
      }
      // A deferred log that ended unwritten: its record says all it held.
      if (!stored && !this.#states.has(executionId) && (sub.after === 0 || (await this.#repo.lastSeq(executionId)) === 0)) {
        const recorded = await this.#recorded(executionId);
        for (const event of recorded) {
          if (!(await paced())) return;
          this.#deliver(executionId, sub, event);
        }
        // Over, even when the client had every event already (afterSeq past them).
        if (recorded.at(-1)?.type === FINISHED) this.#end(executionId, sub);
        if (sub.ended) return;
      }
      // Then what was published meanwhile; more may arrive while pacing, so the length is read each turn.
      const buffer = sub.buffer ?? [];
      for (let i = 0; i < buffer.length; i++) {
        if (!(await paced())) return;
        this.#deliver(executionId, sub, buffer[i] as ExecutionEvent);
      }
      if (sub.ended) return;
      sub.buffer = undefined;
      if (this.#states.has(executionId)) return;
      // Not running here: over when its last stored event says so (afterSeq may have skipped it) or the caller knows.
      const last = await this.#repo.lastSeq(executionId);
      const tail = last > 0 ? await this.#repo.list(executionId, last - 1, 1) : [];
      if (sub.ended || this.#states.has(executionId)) return;
      if ((tail[0]?.type === FINISHED && sub.after >= last) || options.endIfIdle === true) this.#end(executionId, sub);
      else if (this.#tailMs !== undefined) await this.#tail(executionId, sub, this.#tailMs);
    } catch (error) {
      if (sub.ended) return;
      this.#log.error({ err: error, executionId }, 'execution event history could not be read');
      this.#end(executionId, sub);
    }
  }

  /**
   * Follows, from the store, an execution another host runs: what it wrote since, every `ms`,
   * until its `execution.finished` (stored, or rebuilt from its record when its log was never
   * written), the subscriber leaves, or this host opens it (a takeover: live from then on).
   */
  async #tail(executionId: string, sub: Subscriber, ms: number): Promise<void> {
    while (!sub.ended && !this.#states.has(executionId)) {
      await this.#grownOrAfter(executionId, ms);
      if (sub.ended || this.#states.has(executionId)) return;
      const page = await this.#repo.list(executionId, sub.after, PAGE);
      for (const record of page) {
        // A gap: a later event committed first; read again once the earlier one is there.
        if (record.seq !== sub.after + 1) break;
        this.#deliver(executionId, sub, fromStored(record));
      }
      if (sub.ended || page.length > 0) continue;
      // Nothing stored: a log that was never written ends as its record says, once it is over.
      const recorded = await this.#recorded(executionId);
      if (recorded.at(-1)?.type === FINISHED && (await this.#repo.lastSeq(executionId)) === 0) {
        for (const event of recorded) this.#deliver(executionId, sub, event);
        this.#end(executionId, sub);
      }
    }
  }

  /** Resolves when the store says `executionId`'s log grew, or after `ms` (a notice may be lost). */
  #grownOrAfter(executionId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiting = this.#waking.get(executionId);
      if (waiting === undefined) this.#waking.set(executionId, (waiting = new Set()));
      const set = waiting;
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.#waking.get(executionId) === set) this.#waking.delete(executionId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      set.add(done);
    });
  }

  #deliver(executionId: string, sub: Subscriber, event: ExecutionEvent): void {
    if (sub.ended || event.seq <= sub.after) return;
    sub.after = event.seq;
    try {
      sub.listener(event);
    } catch (error) {
      this.#log.error({ err: error, executionId }, 'execution event subscriber failed');
      this.#end(executionId, sub);
      return;
    }
    if (event.type === FINISHED) this.#end(executionId, sub);
  }

  #end(executionId: string, sub: Subscriber): void {
    if (sub.ended) return;
    this.#remove(executionId, sub);
    try {
      sub.onEnd();
    } catch (error) {
      this.#log.error({ err: error, executionId }, 'execution event subscriber failed to end');
    }
  }

  #remove(executionId: string, sub: Subscriber): void {
    sub.ended = true;
    sub.buffer = undefined;
    const subs = this.#subscribers.get(executionId);
    if (subs === undefined) return;
    subs.delete(sub);
    if (subs.size === 0) this.#subscribers.delete(executionId);
  }
}

/**
 * What the history keeps of an event whose data could not be stored: the top-level fields that
 * are plain values or small (status, error, cost), and `omitted`: the other fields and why.
 */
function replacement(data: unknown, why: string): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  const fields: string[] = [];
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    for (const [name, value] of Object.entries(data)) {
      if (value === undefined) continue;
      const plain = value === null || ['string', 'number', 'boolean'].includes(typeof value);
      if (plain || (typeof value === 'object' && jsonLimitProblem(value, KEPT_FIELD) === undefined && storable(value))) kept[name] = value;
      else fields.push(name);
    }
  }
  return { ...kept, omitted: { fields, reason: `the event was published, but ${why}` } };
}

function storable(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}

/** The store's error code (e.g. SQLITE_CONSTRAINT_CHECK), which says what was refused without the store's paths. */
function storeCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? ` (${code})` : '';
}

/** A stored event as subscribers get it. */
function fromStored(record: ExecutionEventRecord): ExecutionEvent {
  return { executionId: record.executionId, seq: record.seq, type: record.type, data: JSON.parse(record.data), at: record.at };
}
