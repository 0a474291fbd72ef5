/** The emulator's mutable state, one per server, and the per-call gate (faults, then quota). */
import { setTimeout as delay } from 'node:timers/promises';
import { CallLog } from './call-log.ts';
import { BedrockError } from './errors.ts';
import { FaultBook, type FaultEffects } from './faults.ts';
import { Quotas } from './quotas.ts';
import type { EmulatorCall, EmulatorOp } from './types.ts';

export interface EmulatorState {
  readonly faults: FaultBook;
  readonly quotas: Quotas;
  readonly calls: CallLog;
  readonly streamDelayMs: number;
}

export function createState(streamDelayMs: number): EmulatorState {
  return { faults: new FaultBook(), quotas: new Quotas(), calls: new CallLog(), streamDelayMs };
}

export function resetState(state: EmulatorState): void {
  state.faults.clear();
  state.quotas.clear();
  state.calls.clear();
}

/** Timers may fire a fraction of a millisecond early; an injected latency must not be shorter. */
async function sleepAtLeast(ms: number): Promise<void> {
  const until = performance.now() + ms;
  for (let left = ms; left > 0; left = until - performance.now()) await delay(Math.ceil(left));
}

/**
 * Lets a validated call through or throws: the matching fault rules first (latency, then
 * exception), then the model's quota, charged `quotaTokens` at this moment.
 */
export async function admit(
  state: EmulatorState,
  call: EmulatorCall,
  op: EmulatorOp,
  quotaTokens: number,
): Promise<FaultEffects> {
  const effects = state.faults.take(call.modelId, op);
  if (effects.latencyMs > 0) await sleepAtLeast(effects.latencyMs);
  if (effects.exception) throw new BedrockError(effects.exception.type, effects.exception.message);
  if (!state.quotas.take(call.modelId, quotaTokens, Date.now())) {
    throw new BedrockError('ThrottlingException');
  }
  return effects;
}
