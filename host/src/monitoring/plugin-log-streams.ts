/**
 * Live plugin logs, for `GET /v1/plugins/:name/logs`: each `ctx.log` line and the end of each
 * call of a plugin (from the event bus) handed at once to whoever follows that plugin. Live
 * only: nothing is kept, so a plugin nobody follows costs a map lookup per line. The number of
 * followers is capped; each follower bounds its own buffer (the route cuts a slow reader off).
 */
import type { PluginLogLine } from '../capabilities/index.ts';
import { EaselError } from '../errors/index.ts';
import type { EventBus, HostEventOf } from '../events/index.ts';

/** A `ctx.log` line as followers see it. */
export interface LogEventData {
  level: PluginLogLine['level'];
  message: string;
  fields?: object;
  executionId: string;
  /** ISO time the host accepted the line. */
  time: string;
}

/** The end of an agent call (from an app or a plugin's step) or of a workflow run. */
export interface CallEventData {
  kind: 'agent' | 'workflow';
  /** `agent/capability`, or the workflow type. */
  target: string;
  version: string;
  executionId: string;
  /** Set for a call a plugin made with `ctx.agents.invoke`. */
  stepId?: string;
  /** The calling plugin, for a step. */
  caller?: string;
  outcome: 'succeeded' | 'failed' | 'cancelled';
  code?: string;
  message?: string;
  durationMs: number;
}

export type PluginLogEvent = { type: 'log'; data: LogEventData } | { type: 'call'; data: CallEventData };

type Listener = (event: PluginLogEvent) => void;

interface Logger {
  error(obj: object, msg?: string): void;
}

export class PluginLogStreams {
  #maxStreams: number;
  #log: Logger;
  #followers = new Map<string, Set<Listener>>();
  #open = 0;
  #unsubscribe: (() => void)[];

  constructor(bus: EventBus, options: { maxStreams: number; logger: Logger }) {
    this.#maxStreams = options.maxStreams;
    this.#log = options.logger;
    this.#unsubscribe = [
      bus.on('agent.finished', (e) => this.#publish(e.plugin, { type: 'call', data: agentCall(e) })),
      bus.on('workflow.finished', (e) => this.#publish(e.plugin, { type: 'call', data: workflowCall(e) })),
    ];
  }

  /** Followers now, all plugins together. */
  get open(): number {
    return this.#open;
  }

  /**
   * Hands every later event of `plugin` to `listener` until the returned function is called
   * (idempotent). Refused with LOG_STREAMS_BUSY when `maxStreams` followers are open.
   */
  follow(plugin: string, listener: Listener): () => void {
    if (this.#open >= this.#maxStreams) throw new EaselError('LOG_STREAMS_BUSY', { limit: this.#maxStreams });
    let set = this.#followers.get(plugin);
    if (!set) this.#followers.set(plugin, (set = new Set()));
    const own: Listener = (event) => listener(event);
    set.add(own);
    this.#open++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#open--;
      set.delete(own);
      if (set.size === 0 && this.#followers.get(plugin) === set) this.#followers.delete(plugin);
    };
  }

  /** A `ctx.log` line the host accepted. */
  log(line: PluginLogLine): void {
    if (!this.#followers.has(line.plugin)) return;
    const { level, message, fields, executionId } = line;
    this.#publish(line.plugin, { type: 'log', data: { level, message, ...(fields ? { fields } : {}), executionId, time: new Date().toISOString() } });
  }

  /** Stops listening to the bus; open followers get nothing more. */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  #publish(plugin: string, event: PluginLogEvent): void {
    const set = this.#followers.get(plugin);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (err) {
        // One broken follower must not cost the plugin's call or the other followers.
        this.#log.error({ err, plugin }, 'a plugin log follower failed');
      }
    }
  }
}

function agentCall(e: HostEventOf<'agent.finished'>): CallEventData {
  return {
    kind: 'agent',
    target: `${e.agent}/${e.capability}`,
    version: e.version,
    executionId: e.executionId,
    ...(e.stepId ? { stepId: e.stepId } : {}),
    ...(e.caller ? { caller: e.caller } : {}),
    outcome: e.status,
    ...ending(e),
    durationMs: e.durationMs,
  };
}

function workflowCall(e: HostEventOf<'workflow.finished'>): CallEventData {
  return { kind: 'workflow', target: e.workflow, version: e.version, executionId: e.executionId, outcome: e.status, ...ending(e), durationMs: e.durationMs };
}

function ending(e: { errorCode?: string; errorMessage?: string }): { code?: string; message?: string } {
  return e.errorCode ? { code: e.errorCode, ...(e.errorMessage !== undefined ? { message: e.errorMessage } : {}) } : {};
}
