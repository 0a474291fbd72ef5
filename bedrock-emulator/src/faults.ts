/** Scripted failures (control plane `POST /__emulator/faults`), consumed by matching calls. */
import type { EmulatorOp, FaultRule } from './types.ts';
import type { ExceptionName } from './errors.ts';

/** What the matching rules do to one call, combined. */
export interface FaultEffects {
  latencyMs: number;
  exception?: { type: ExceptionName; message?: string };
  breakAfterDeltas?: number;
  breakMode: 'exception' | 'reset';
  stopReason?: string;
}

interface StoredRule {
  rule: FaultRule;
  remaining: number;
}

const STREAM_OPS: ReadonlySet<EmulatorOp> = new Set(['converse-stream', 'invoke-stream']);
const CONVERSE_OPS: ReadonlySet<EmulatorOp> = new Set(['converse', 'converse-stream']);

function onlyLatency(rule: FaultRule): boolean {
  return rule.exception === undefined && rule.breakAfterDeltas === undefined && rule.stopReason === undefined;
}

/** Whether the rule can act on this op at all (a stream break needs a stream, etc.). */
function fitsOp(rule: FaultRule, op: EmulatorOp): boolean {
  if (rule.breakAfterDeltas !== undefined && !STREAM_OPS.has(op)) return false;
  if (rule.stopReason !== undefined && !CONVERSE_OPS.has(op)) return false;
  return true;
}

export class FaultBook {
  #rules: StoredRule[] = [];

  /** `count` absent: 1, or Infinity for a latency-only rule; `null` means Infinity. */
  add(rule: FaultRule): void {
    const count = rule.count === null ? Infinity : (rule.count ?? (onlyLatency(rule) ? Infinity : 1));
    this.#rules.push({ rule: { ...rule }, remaining: count });
  }

  clear(): void {
    this.#rules = [];
  }

  /**
   * Consumes the rules that match this call, in the order they were added. Latencies add up;
   * for the exception, the stream break and the stopReason the first rule wins, and a rule
   * that would only repeat an effect already chosen is left for a later call.
   */
  take(modelId: string, op: EmulatorOp): FaultEffects {
    const effects: FaultEffects = { latencyMs: 0, breakMode: 'exception' };
    for (const stored of this.#rules) {
      const { rule } = stored;
      if (stored.remaining <= 0) continue;
      if (rule.modelId !== '*' && rule.modelId !== modelId) continue;
      if (!fitsOp(rule, op)) continue;
      if (rule.exception !== undefined && effects.exception) continue;
      if (rule.breakAfterDeltas !== undefined && effects.breakAfterDeltas !== undefined) continue;
      if (rule.stopReason !== undefined && effects.stopReason !== undefined) continue;
      stored.remaining -= 1;
      effects.latencyMs += rule.latencyMs ?? 0;
      if (rule.exception !== undefined) {
        effects.exception = { type: rule.exception as ExceptionName, message: rule.message };
      }
      if (rule.breakAfterDeltas !== undefined) {
        effects.breakAfterDeltas = rule.breakAfterDeltas;
        effects.breakMode = rule.breakMode ?? 'exception';
      }
      if (rule.stopReason !== undefined) effects.stopReason = rule.stopReason;
    }
    this.#rules = this.#rules.filter((stored) => stored.remaining > 0);
    return effects;
  }
}
