/**
 * A counting semaphore with a FIFO queue whose waiters can give up (an abort signal): the
 * parallel steps one call starts take turns through it, in call order.
 */
import { cancelledBy, EaselError } from '../errors/index.ts';

export class Slots {
  #free: number;
  #waiters: { resolve: () => void; reject: (err: unknown) => void }[] = [];

  constructor(size: number) {
    this.#free = Math.max(1, Math.floor(size));
  }

  async acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw cancelledBy(signal);
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => (signal.removeEventListener('abort', onAbort), resolve()),
        reject,
      };
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        reject(cancelledBy(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next.resolve();
    else this.#free++;
  }
}

