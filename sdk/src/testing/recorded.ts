/**
 * What a test can look at after the plugin ran: every `ctx` call with its outcome, and per
 * capability what reached it (log lines, progress lines, model requests, stored objects,
 * agent calls). Denied and refused calls are in `calls` only: they reached nothing.
 */
import type { RecordedModels } from './models/capability.ts';

export type { RecordedModels };

/**
 * One `ctx` call: what was asked and how it ended (`'ok'` or the error code).
 *
 * @example
 * ```ts
 * recorded.calls.filter((c: RecordedCall) => c.outcome === 'PERMISSION_DENIED');
 * ```
 */
export interface RecordedCall {
  capability: string;
  op: string;
  args: Record<string, unknown>;
  outcome: string;
}

/**
 * One `ctx.log` line.
 *
 * @example
 * ```ts
 * assert.deepEqual(recorded.logs.map((l: LogLine) => l.level), ['info', 'warn']);
 * ```
 */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields?: Record<string, unknown>;
}

/**
 * One `ctx.progress` line.
 *
 * @example
 * ```ts
 * assert.deepEqual(recorded.progress[0], { message: 'half way', data: { done: 1 } } satisfies ProgressLine);
 * ```
 */
export interface ProgressLine {
  message: string;
  data?: unknown;
}

/**
 * One stored object, as `ctx.storage.put` handed it over (key normalized).
 *
 * @example
 * ```ts
 * assert.deepEqual(recorded.puts.map((p: RecordedPut) => p.key), ['images/exec-1/0.png']);
 * ```
 */
export interface RecordedPut {
  key: string;
  bytes: Uint8Array;
  contentType: string;
  /** The put's `ttlSeconds`, when it set one (the object's `expiresAt` follows from it). */
  ttlSeconds?: number;
}

/**
 * One `ctx.agents.invoke` that was let through, with the agent as `plugin/agent`.
 *
 * @example
 * ```ts
 * assert.deepEqual(recorded.agents[0], { agent: 'translator/korean', capability: 'translate', input: { text: '고양이' } } satisfies RecordedAgentCall);
 * ```
 */
export interface RecordedAgentCall {
  agent: string;
  capability: string;
  input: unknown;
}

/**
 * Everything recorded while handlers ran, in order of arrival.
 *
 * @example
 * ```ts
 * const { ctx, recorded } = createTestContext({ manifest, models: { text: ['cat'] } });
 * await translate({ keywords: ['고양이'] }, ctx);
 * assert.equal(recorded.models.text[0]?.tier, 'basic');
 * assert.deepEqual(recorded.calls.map((c) => `${c.capability}.${c.op}:${c.outcome}`), ['models.text:ok', 'log.info:ok']);
 * ```
 */
export interface Recorded {
  calls: RecordedCall[];
  logs: LogLine[];
  progress: ProgressLine[];
  models: RecordedModels;
  puts: RecordedPut[];
  agents: RecordedAgentCall[];
}

export function emptyRecord(): Recorded {
  return { calls: [], logs: [], progress: [], models: { text: [], structured: [], image: [], embed: [], streamText: [] }, puts: [], agents: [] };
}
