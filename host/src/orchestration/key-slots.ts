/**
 * Executions each app key has queued or running (`EASEL_KEY_MAX_CONCURRENT_EXECUTIONS`): a slot
 * is taken before anything is recorded and given back when the execution ends, so one key
 * cannot fill the host's queue for every other app. 0 turns the limit off. On a store several
 * hosts share, the slots are held in the store, so the limit is the key's across hosts.
 */
import { EaselError } from '../errors/index.ts';
import type { KeySlotStore } from '../store/index.ts';

/** Executions each app key has queued or running, against `maxConcurrentExecutions`. */
export class KeySlots {
  readonly #max: number;
  readonly #held = new Map<string, number>();
  readonly #shared: KeySlotStore | undefined;

  /** `shared`: where the slots of every host on a shared store are held. */
  constructor(max: number, shared?: KeySlotStore) {
    this.#max = max;
    this.#shared = shared;
  }

  /** Slots this host holds now, over every key (0 while the limit is off: nothing is counted then). */
  get inUse(): number {
    let total = 0;
    for (const held of this.#held.values()) total += held;
    return total;
  }

  /** Takes a slot for `keyId` (none for admin or host calls), or KEY_CONCURRENCY_LIMITED; the release is idempotent. */
  async take(keyId: string | undefined): Promise<() => void> {
    if (keyId === undefined || this.#max === 0) return () => undefined;
    const held = this.#held.get(keyId) ?? 0;
    const slot = this.#shared ? await this.#shared.take(keyId, this.#max) : held < this.#max ? 'local' : undefined;
    if (slot === undefined) {
      throw new EaselError('KEY_CONCURRENCY_LIMITED', { held: this.#shared ? this.#max : held }, {
        limit: 'EASEL_KEY_MAX_CONCURRENT_EXECUTIONS',
        max: this.#max,
      });
    }
    this.#held.set(keyId, (this.#held.get(keyId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#held.get(keyId) ?? 1) - 1;
      if (left <= 0) this.#held.delete(keyId);
      else this.#held.set(keyId, left);
      // A slot the store keeps after a failed release counts until its host is gone.
      if (this.#shared) void this.#shared.release(slot).catch(() => undefined);
    };
  }
}
