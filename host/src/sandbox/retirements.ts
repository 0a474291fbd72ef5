/**
 * Plugin versions being retired (upgraded, disabled, uninstalled), by sandbox id. A retiring
 * version drains: calls already bound to it keep running on it (and a late one, bound before
 * the change but arriving after it, still may) until its deadline; then the supervisor stops
 * what is left and the version is refused from then on. The supervisor drops the version's
 * isolate whenever it has no call in flight; this book only keeps the deadlines.
 */

/** Retired ids remembered (to refuse late calls with a code that says why); the oldest are forgotten first. */
const MAX_RETIRED = 10_000;

interface Draining {
  deadline: number;
  drainMs: number;
  timer: NodeJS.Timeout;
  done: Promise<void>;
  resolve(): void;
}

export class Retirements {
  #draining = new Map<string, Draining>();
  /** Insertion-ordered: the first is the oldest. */
  #retired = new Set<string>();
  #onDeadline: (pluginId: string, drainMs: number) => void;

  /** `onDeadline` stops the calls still in flight and unloads the version (see Supervisor). */
  constructor(onDeadline: (pluginId: string, drainMs: number) => void) {
    this.#onDeadline = onDeadline;
  }

  /** Versions draining now. */
  get draining(): number {
    return this.#draining.size;
  }

  isDraining(pluginId: string): boolean {
    return this.#draining.has(pluginId);
  }

  /** Drained and past its deadline: a call for it now is refused. */
  isRetired(pluginId: string): boolean {
    return this.#retired.has(pluginId);
  }

  /**
   * Starts the drain of `pluginId` (its deadline `drainMs` from now) and resolves when it ends:
   * at the deadline, or earlier when the version is loaded or unloaded again. A version already
   * draining keeps the earlier of the two deadlines.
   */
  start(pluginId: string, drainMs: number): Promise<void> {
    const deadline = Date.now() + drainMs;
    const found = this.#draining.get(pluginId);
    if (found) {
      if (deadline < found.deadline) {
        clearTimeout(found.timer);
        found.deadline = deadline;
        found.drainMs = drainMs;
        found.timer = this.#timer(pluginId, drainMs);
      }
      return found.done;
    }
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    this.#retired.delete(pluginId);
    this.#draining.set(pluginId, { deadline, drainMs, timer: this.#timer(pluginId, drainMs), done, resolve });
    return done;
  }

  /** The version is live again (loaded) or gone at once (unloaded): its drain ends without a deadline. */
  cancel(pluginId: string): void {
    this.#retired.delete(pluginId);
    const found = this.#draining.get(pluginId);
    if (!found) return;
    clearTimeout(found.timer);
    this.#draining.delete(pluginId);
    found.resolve();
  }

  /** Ends every drain (the sandbox is closing). */
  close(): void {
    for (const id of [...this.#draining.keys()]) this.cancel(id);
  }

  #timer(pluginId: string, drainMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#expire(pluginId), drainMs);
    timer.unref();
    return timer;
  }

  #expire(pluginId: string): void {
    const found = this.#draining.get(pluginId);
    if (!found) return;
    this.#draining.delete(pluginId);
    this.#retired.add(pluginId);
    if (this.#retired.size > MAX_RETIRED) this.#retired.delete(this.#retired.values().next().value as string);
    try {
      this.#onDeadline(pluginId, found.drainMs);
    } finally {
      found.resolve();
    }
  }
}
