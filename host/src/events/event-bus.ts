/**
 * The host's internal event bus: services announce what happened (a plugin became runnable,
 * an agent was called, a workflow ended) and observers such as metrics and the audit log
 * subscribe, so the services need not know who listens. Publishing is synchronous and never
 * fails: a listener that throws (or an async one that rejects) is logged and skipped, and
 * the publisher and the other listeners carry on.
 */
import type { ModelEvent } from '../models/events.ts';
import type { SandboxEvent } from '../sandbox/types.ts';

export type HostEvent =
  /** Model calls, fallbacks, cooldowns, quota waits and budget refusals, as the router tells them. */
  | ModelEvent
  /** Isolate kills, worker restarts, dropped log lines and quarantines, as the sandbox tells them. */
  | SandboxEvent
  /**
   * An install ended: an upload, or a registry install (one request, which may install several
   * plugins). `errorCode` is the failure's code (INTERNAL_ERROR when it had none).
   */
  | { type: 'plugin.install'; source: 'upload' | 'registry'; outcome: 'ok' | 'failed'; errorCode?: string }
  /** Became runnable: enabled, or found enabled at start. */
  | { type: 'plugin.registered'; plugin: string; version: string }
  | { type: 'plugin.unregistered'; plugin: string; version: string; reason: 'disabled' | 'uninstalled' | 'replaced' }
  /** `caller` is the calling plugin's name; absent when an app made the call. */
  | { type: 'agent.invoked'; executionId: string; stepId?: string; caller?: string; plugin: string; version: string; agent: string; capability: string }
  /** An agent call ended: an app's (an execution) or a plugin's (a step; replayed steps are not announced). */
  | {
      type: 'agent.finished';
      executionId: string;
      stepId?: string;
      caller?: string;
      plugin: string;
      version: string;
      agent: string;
      capability: string;
      status: 'succeeded' | 'failed' | 'cancelled';
      durationMs: number;
      errorCode?: string;
      errorMessage?: string;
    }
  | {
      type: 'workflow.finished';
      executionId: string;
      plugin: string;
      version: string;
      workflow: string;
      status: 'succeeded' | 'failed' | 'cancelled';
      costUsd: number;
      durationMs: number;
      errorCode?: string;
      errorMessage?: string;
    };

export type HostEventType = HostEvent['type'];
export type HostEventOf<T extends HostEventType> = Extract<HostEvent, { type: T }>;

interface Logger {
  error(obj: object, msg?: string): void;
}

/** One entry per subscription, so the same function subscribed twice is two subscriptions. */
interface Subscription {
  listener: (event: HostEvent) => unknown;
}

export class EventBus {
  #log: Logger;
  #subscriptions = new Map<HostEventType, Set<Subscription>>();

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** Calls `listener` with every later event of `type`; returns a function that unsubscribes (idempotent). */
  on<T extends HostEventType>(type: T, listener: (event: HostEventOf<T>) => void): () => void {
    let set = this.#subscriptions.get(type);
    if (!set) this.#subscriptions.set(type, (set = new Set()));
    const subscription: Subscription = { listener: listener as (event: HostEvent) => unknown };
    set.add(subscription);
    return () => {
      set.delete(subscription);
    };
  }

  /**
   * Delivers `event` to its type's listeners in subscription order, before returning. Like
   * EventEmitter, the listeners are those subscribed when publishing began.
   */
  publish(event: HostEvent): void {
    const set = this.#subscriptions.get(event.type);
    if (!set || set.size === 0) return;
    for (const { listener } of [...set]) {
      try {
        const result = listener(event);
        // A listener typed as returning void may still be async; its rejection must not go unhandled.
        if (isThenable(result)) result.then(undefined, (err: unknown) => this.#failed(err, event));
      } catch (err) {
        this.#failed(err, event);
      }
    }
  }

  #failed(err: unknown, event: HostEvent): void {
    this.#log.error({ err, event: event.type }, 'an event listener failed');
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
