/**
 * Admission of executions: at most `maxConcurrent` run on the host and `maxPerPlugin` per
 * plugin; the rest wait in one FIFO queue per plugin, and when a slot frees the plugins with
 * waiters take turns (round robin), so one busy plugin cannot starve the others. Past
 * `maxQueued` waiters, new executions are refused (EXECUTIONS_BUSY) instead of piling up.
 * Steps inside an execution never pass through here: an execution holding a slot must not
 * wait for another one to finish its own work.
 */
import { cancelledBy, EaselError } from '../errors/index.ts';

export interface GateLimits {
  maxConcurrent: number;
  maxPerPlugin: number;
  maxQueued: number;
}

interface Waiter {
  plugin: string;
  start: () => void;
  fail: (err: unknown) => void;
}

/** Frees the slot; idempotent. */
export type Release = () => void;

export class ExecutionGate {
  #limits: GateLimits;
  #running = 0;
  #perPlugin = new Map<string, number>();
  /** Insertion order is the turn order: a plugin just served moves to the back. */
  #queues = new Map<string, Waiter[]>();
  #queued = 0;

  constructor(limits: GateLimits) {
    this.#limits = limits;
  }

  /** How many executions wait for a slot. */
  get queued(): number {
    return this.#queued;
  }

  /** How many executions hold a slot (run) now. */
  get running(): number {
    return this.#running;
  }

  /**
   * Asks for a slot. `queued` says whether the execution has to wait; `ready` resolves with
   * the release function once it runs, or rejects when `signal` fires first.
   * Throws EXECUTIONS_BUSY (synchronously) when the queue is full, unless `always` (executions
   * resumed after a restart were admitted once already and are never turned away).
   */
  enter(plugin: string, signal: AbortSignal, always = false): { queued: boolean; position: number; ready: Promise<Release> } {
    if (signal.aborted) throw cancelledBy(signal);
    if (this.#canStart(plugin) && !this.#queues.has(plugin)) return { queued: false, position: 0, ready: Promise.resolve(this.#take(plugin)) };
    if (this.#queued >= this.#limits.maxQueued && !always) {
      throw new EaselError('EXECUTIONS_BUSY', { reason: `${this.#queued} executions are already waiting for a slot on this host` }, { retryAfterMs: 1000 });
    }
    let waiter!: Waiter;
    const ready = new Promise<Release>((resolve, reject) => {
      waiter = { plugin, start: () => resolve(this.#take(plugin)), fail: reject };
    });
    const queue = this.#queues.get(plugin) ?? [];
    queue.push(waiter);
    this.#queues.set(plugin, queue);
    this.#queued++;
    const position = this.#queued;
    signal.addEventListener('abort', () => {
      const list = this.#queues.get(plugin);
      const at = list?.indexOf(waiter) ?? -1;
      if (!list || at < 0) return;
      list.splice(at, 1);
      if (list.length === 0) this.#queues.delete(plugin);
      this.#queued--;
      waiter.fail(cancelledBy(signal));
    }, { once: true });
    return { queued: true, position, ready };
  }

  #canStart(plugin: string): boolean {
    return this.#running < this.#limits.maxConcurrent && (this.#perPlugin.get(plugin) ?? 0) < this.#limits.maxPerPlugin;
  }

  #take(plugin: string): Release {
    this.#running++;
    this.#perPlugin.set(plugin, (this.#perPlugin.get(plugin) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      const left = (this.#perPlugin.get(plugin) ?? 1) - 1;
      if (left === 0) this.#perPlugin.delete(plugin);
      else this.#perPlugin.set(plugin, left);
      this.#pump();
    };
  }

  #pump(): void {
    let started = true;
    while (started && this.#running < this.#limits.maxConcurrent) {
      started = false;
      for (const [plugin, queue] of this.#queues) {
        if (!this.#canStart(plugin)) continue;
        const waiter = queue.shift()!;
        this.#queues.delete(plugin);
        if (queue.length > 0) this.#queues.set(plugin, queue);
        this.#queued--;
        waiter.start();
        started = true;
        break;
      }
    }
  }
}
