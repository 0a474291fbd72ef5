/** Every call the emulator answered, for assertions on fallback order and cache hits. */
import type { EmulatorCall, EmulatorOp } from './types.ts';

/** Oldest calls are dropped past this, so a long-running emulator stays small. */
const MAX_CALLS = 10_000;

export class CallLog {
  #calls: EmulatorCall[] = [];
  #seq = 0;

  /** Records a call at arrival; the caller fills in status and tokens as it goes. */
  begin(op: EmulatorOp, modelId: string): EmulatorCall {
    this.#seq += 1;
    const call: EmulatorCall = { seq: this.#seq, at: Date.now(), op, modelId, status: 0 };
    this.#calls.push(call);
    if (this.#calls.length > MAX_CALLS) this.#calls.shift();
    return call;
  }

  /** Copies, oldest first. */
  list(): EmulatorCall[] {
    return this.#calls.map((call) => ({ ...call }));
  }

  clear(): void {
    this.#calls = [];
    this.#seq = 0;
  }
}
