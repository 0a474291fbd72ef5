/**
 * One execution while it runs in this process: its cancel switch, its step counters and
 * queue, and the occurrence counts that give identical calls distinct, replayable keys.
 */
import { EaselError } from '../errors/index.ts';
import { Slots } from './slots.ts';

export class Run {
  readonly executionId: string;
  /** The app's end user; unique within the app only. */
  readonly userId: string;
  /** The app key that started it; absent when the host did. */
  readonly apiKeyId: string | undefined;
  /** The app (tenant) of that key (`ctx.caller.app`); usage and budgets are its. */
  readonly appId: string | undefined;
  readonly #maxParallel: number;
  /** Per calling scope: its steps running at once. Per call, not per execution, so a step waiting for its own sub-steps never holds the slots they need. */
  #slots = new Map<string, Slots>();
  /** Steps begun (replayed ones included), against the fan-out cap. */
  steps = 0;
  /** The last error a step or bridge reported with details the API should see. */
  lastError?: { code: string; details: Record<string, unknown> };
  #controller = new AbortController();
  #occurrences = new Map<string, number>();
  #inFlight = new Set<Promise<unknown>>();

  constructor(fields: { executionId: string; userId: string; apiKeyId?: string; appId?: string; maxParallelSteps: number }) {
    this.executionId = fields.executionId;
    this.userId = fields.userId;
    this.apiKeyId = fields.apiKeyId;
    this.appId = fields.appId;
    this.#maxParallel = fields.maxParallelSteps;
  }

  /** What plugin code sees as `ctx.caller`: the app, not the key, so every key of an app is the same caller. */
  get caller(): { app: string | null; user: string } {
    return { app: this.appId ?? null, user: this.userId };
  }

  /** Whom model calls are billed to ('' for an execution recorded before apps existed with no app key to name). */
  get billed(): { appId: string; userId: string } {
    return { appId: this.appId ?? '', userId: this.userId };
  }

  /** The turn-taking of the steps one call (a workflow, or a step) runs at once. */
  slotsOf(scopeId: string): Slots {
    let slots = this.#slots.get(scopeId);
    if (!slots) this.#slots.set(scopeId, (slots = new Slots(this.#maxParallel)));
    return slots;
  }

  /** Fires on cancel; every call and step of the execution listens to it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get cancelled(): boolean {
    return this.#controller.signal.aborted;
  }

  cancel(): void {
    this.#controller.abort(new EaselError('EXECUTION_CANCELLED', { subject: 'execution' }));
  }

  /** Keeps count of a step until it settles, so the execution ends after its last step. */
  track<T>(step: Promise<T>): Promise<T> {
    this.#inFlight.add(step);
    const forget = () => this.#inFlight.delete(step);
    step.then(forget, forget);
    return step;
  }

  /** Resolves when every step begun so far has settled (recorded as finished). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** 0 for the first call with this base key in this run, 1 for the next, and so on. */
  occurrence(base: string): number {
    const n = this.#occurrences.get(base) ?? 0;
    this.#occurrences.set(base, n + 1);
    return n;
  }
}
