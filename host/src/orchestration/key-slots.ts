/**
 * Executions each app key has queued or running (`EASEL_KEY_MAX_CONCURRENT_EXECUTIONS`): a slot
 * is taken before anything is recorded and given back when the execution ends, so one key
 * cannot fill the host's queue for every other app. 0 turns the limit off.
 */
import { EaselError } from '../errors/index.ts';

/** Executions each app key has queued or running, against `maxConcurrentExecutions`. */
export class KeySlots {
  readonly #max: number;
  readonly #held = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Slots held now, over every key (0 while the limit is off: nothing is counted then). */
  get inUse(): number {
    let total = 0;
    for (const held of this.#held.values()) total += held;
    return total;
  }

  /** Takes a slot for `keyId` (none for admin or host calls), or KEY_CONCURRENCY_LIMITED; the release is idempotent. */
  take(keyId: string | undefined): () => void {
    if (keyId === undefined || this.#max === 0) return () => undefined;
    const held = this.#held.get(keyId) ?? 0;
    if (held >= this.#max) {
      throw new EaselError('KEY_CONCURRENCY_LIMITED', { held }, {
        limit: 'EASEL_KEY_MAX_CONCURRENT_EXECUTIONS',
        max: this.#max,
      });
    }
    this.#held.set(keyId, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#held.get(keyId) ?? 1) - 1;
      if (left <= 0) this.#held.delete(keyId);
      else this.#held.set(keyId, left);
    };
  }
}
