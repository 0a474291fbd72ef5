/**
 * Admission of executions: at most `maxConcurrent` run on the host and `maxPerPlugin` per
 * plugin; the rest wait in one FIFO queue per plugin, and when a slot frees the plugins with
 * waiters take turns (round robin), so one busy plugin cannot starve the others. Past
 * `maxQueued` waiters, new executions are refused (EXECUTIONS_BUSY) instead of piling up.
 * Steps inside an execution never pass through here: an execution holding a slot must not
 * wait for another one to finish its own work.
 *
 * On a store several hosts share (`shared`), `maxPerPlugin` counts every host's executions
 * and is decided in the store: a host asks for a plugin's slot only when it has a free slot of
 * its own to run it in, and hosts waiting for a busy plugin are served in turns (the store's
 * line), however many executions each has waiting. `maxConcurrent` and `maxQueued` stay this
 * host's own.
 */
import { cancelledBy, EaselError } from '../errors/index.ts';
import { anythingMayHaveChanged, type PluginSlotStore, type StoreChanges } from '../store/index.ts';

export interface GateLimits {
  maxConcurrent: number;
  maxPerPlugin: number;
  maxQueued: number;
}

/** The plugins' slots of every host on a shared store. */
export interface SharedSlots {
  slots: PluginSlotStore;
  /** Tells the gate a plugin's slot may be free (another host released one). */
  changes?: StoreChanges;
  /** How often a host with executions waiting asks again besides the notices, in ms (EASEL_EXECUTIONS_QUEUE_POLL_MS). */
  pollMs: number;
  /** A store failure; the gate asks again at the next notice or poll. */
  onError: (error: unknown) => void;
}

export interface Admission {
  /** Whether the execution has to wait for a slot. */
  queued: boolean;
  /** Its place among this host's waiters when queued, else 0. */
  position: number;
  /** Resolves with the release function once it runs, or rejects when the signal fires first. */
  ready: Promise<Release>;
}

interface Waiter {
  plugin: string;
  /** Arrival order on this host. */
  arrival: number;
  started: boolean;
  start: (slotId?: string) => void;
  fail: (err: unknown) => void;
}

/** Frees the slot; idempotent. */
export type Release = () => void;

export class ExecutionGate {
  #limits: GateLimits;
  #shared: SharedSlots | undefined;
  #running = 0;
  #perPlugin = new Map<string, number>();
  /** Insertion order is the turn order: a plugin just served moves to the back. */
  #queues = new Map<string, Waiter[]>();
  #queued = 0;
  #arrivals = 0;
  /** Shared store: the pass asking the store for slots, and whether another must follow it. */
  #pumping: Promise<void> | undefined;
  #again = false;
  /** Shared store: plugins in whose line this host holds a place. */
  #inLine = new Set<string>();
  #poll: NodeJS.Timeout | undefined;

  constructor(limits: GateLimits, shared?: SharedSlots) {
    this.#limits = limits;
    this.#shared = shared;
    shared?.changes?.subscribe((change) => {
      if (this.#queued > 0 && (anythingMayHaveChanged(change) || (change.slots !== undefined && this.#queues.has(change.slots)))) void this.#pump();
    });
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
   * Asks for a slot (on a shared store, the first try is made before this resolves).
   * Rejects with EXECUTIONS_BUSY when the queue is full, unless `always` (executions resumed
   * after a restart were admitted once already and are never turned away).
   */
  async enter(plugin: string, signal: AbortSignal, always = false): Promise<Admission> {
    if (signal.aborted) throw cancelledBy(signal);
    if (!this.#shared && this.#canStart(plugin) && !this.#queues.has(plugin)) return { queued: false, position: 0, ready: Promise.resolve(this.#take(plugin)) };
    // On a shared store, whether it can start is known only once the store was asked (below).
    if (this.#queued >= this.#limits.maxQueued && !always && (!this.#shared || !this.#canStart(plugin))) throw this.#busy();
    let waiter!: Waiter;
    const ready = new Promise<Release>((resolve, reject) => {
      waiter = {
        plugin,
        arrival: this.#arrivals++,
        started: false,
        start: (slotId) => {
          waiter.started = true;
          resolve(this.#take(plugin, slotId));
        },
        fail: reject,
      };
    });
    const queue = this.#queues.get(plugin) ?? [];
    queue.push(waiter);
    this.#queues.set(plugin, queue);
    this.#queued++;
    const position = this.#queued;
    signal.addEventListener('abort', () => {
      if (!this.#remove(waiter)) return;
      waiter.fail(cancelledBy(signal));
      // Nobody here waits for it any more: the place in its line goes to the next host.
      if (this.#shared && !this.#queues.has(plugin)) void this.#pump();
    }, { once: true });
    if (this.#shared) {
      await this.#pump();
      if (!waiter.started && !always && this.#waitingAhead(waiter) >= this.#limits.maxQueued) {
        this.#remove(waiter);
        if (!this.#queues.has(plugin)) void this.#pump();
        throw this.#busy();
      }
    }
    return waiter.started ? { queued: false, position: 0, ready } : { queued: true, position, ready };
  }

  #busy(): EaselError {
    return new EaselError('EXECUTIONS_BUSY', { reason: `${this.#queued} executions are already waiting for a slot on this host` }, { retryAfterMs: 1000 });
  }

  /** Waiters still waiting that came before `waiter`. */
  #waitingAhead(waiter: Waiter): number {
    let ahead = 0;
    for (const queue of this.#queues.values()) for (const other of queue) if (other.arrival < waiter.arrival) ahead++;
    return ahead;
  }

  /** Takes a waiter that has not started out of its queue; false when it is not there (started, or gone). */
  #remove(waiter: Waiter): boolean {
    const list = this.#queues.get(waiter.plugin);
    const at = list?.indexOf(waiter) ?? -1;
    if (!list || at < 0) return false;
    list.splice(at, 1);
    if (list.length === 0) this.#queues.delete(waiter.plugin);
    this.#queued--;
    return true;
  }

  #canStart(plugin: string): boolean {
    return this.#running < this.#limits.maxConcurrent && (this.#perPlugin.get(plugin) ?? 0) < this.#limits.maxPerPlugin;
  }

  /** `slotId`: the slot held in the shared store, given back with this one. */
  #take(plugin: string, slotId?: string): Release {
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
      if (slotId !== undefined && this.#shared) {
        // A slot the store keeps after a failed release counts until this host is gone.
        const { slots, onError } = this.#shared;
        void slots.release(slotId).catch(onError).finally(() => this.#pump());
      } else void this.#pump();
    };
  }

  #pump(): Promise<void> {
    if (!this.#shared) {
      this.#pumpLocal();
      return Promise.resolve();
    }
    this.#again = true;
    this.#pumping ??= this.#pumpShared(this.#shared).finally(() => (this.#pumping = undefined));
    return this.#pumping;
  }

  #pumpLocal(): void {
    let started = true;
    while (started && this.#running < this.#limits.maxConcurrent) {
      started = false;
      for (const [plugin, queue] of this.#queues) {
        if (!this.#canStart(plugin)) continue;
        const waiter = queue.shift()!;
        this.#serve(plugin, queue);
        waiter.start();
        started = true;
        break;
      }
    }
  }

  /**
   * Asks the store for a slot of each plugin with waiters, in turn, while this host has free
   * slots; then gives up the places it cannot use. Again while asked to meanwhile (`#again`).
   */
  async #pumpShared(shared: SharedSlots): Promise<void> {
    while (this.#again) {
      this.#again = false;
      for (const plugin of [...this.#queues.keys()]) {
        if (this.#running >= this.#limits.maxConcurrent) break;
        if (this.#canStart(plugin)) await this.#ask(plugin, shared);
      }
      // A place in a line is for a host that could run what it is given.
      const full = this.#running >= this.#limits.maxConcurrent;
      const leave = [...this.#inLine].filter((plugin) => full || !this.#queues.has(plugin));
      for (const plugin of leave) this.#inLine.delete(plugin);
      if (leave.length > 0) await shared.slots.leave(leave).catch(shared.onError);
    }
    this.#schedulePoll();
  }

  /** Asks the store for a slot of `plugin` and starts its first waiter with it. */
  async #ask(plugin: string, { slots, onError }: SharedSlots): Promise<void> {
    // The free slot this host offers is held while it asks, so no other ask counts on it too.
    this.#running++;
    let slotId: string | undefined;
    try {
      slotId = await slots.take(plugin, this.#limits.maxPerPlugin);
      if (slotId === undefined) this.#inLine.add(plugin);
      else this.#inLine.delete(plugin);
    } catch (error) {
      onError(error);
    } finally {
      this.#running--;
    }
    if (slotId === undefined) return;
    const queue = this.#queues.get(plugin);
    const waiter = queue?.shift();
    if (!queue || !waiter) {
      // Its waiters gave up while the host asked.
      void slots.release(slotId).catch(onError);
      return;
    }
    this.#serve(plugin, queue);
    waiter.start(slotId);
    this.#again = true;
  }

  /** `plugin`'s first waiter was served: the plugin moves to the back of the turn order. */
  #serve(plugin: string, queue: Waiter[]): void {
    this.#queues.delete(plugin);
    if (queue.length > 0) this.#queues.set(plugin, queue);
    this.#queued--;
  }

  /** Shared store: a slot freed on a host that died is told by no notice, so a host with waiters asks again now and then. */
  #schedulePoll(): void {
    if (this.#poll || this.#queued === 0 || !this.#shared) return;
    this.#poll = setTimeout(() => {
      this.#poll = undefined;
      void this.#pump();
    }, this.#shared.pollMs);
    this.#poll.unref();
  }
}
