/**
 * One timer per worker that polls its isolates. isolated-vm's `timeout` only covers the
 * synchronous slice of a call; code after an `await` on the host, a promise that never
 * settles and work left running after a call returned are caught here, by CPU-time and
 * wall-clock deltas, and stopped by disposing the isolate.
 */

/** Poll period while calls or builds are in flight, and while only idle isolates exist. */
export const BUSY_POLL_MS = 5;
export const IDLE_POLL_MS = 50;
/** After the host aborts a call, how long its code may take to wind down before disposal (EASEL_SANDBOX_ABORT_GRACE_MS). */
export const DEFAULT_ABORT_GRACE_MS = 1000;
/** After disposal, how long an isolate's thread may keep running before the worker gives up on it. */
export const RUNAWAY_GRACE_MS = 500;

export type Breach = 'timeout' | 'aborted';

export interface Watched {
  startWall: number;
  startCpuNs: bigint | undefined;
  cpuMs: number;
  wallMs: number;
  abortedAt: number | undefined;
  abortGraceMs: number;
}

/** Why a watched call must stop now, if it must. */
export function breachOf(w: Watched, now: number, cpuNowNs: bigint | undefined): Breach | undefined {
  if (w.abortedAt !== undefined && now - w.abortedAt > w.abortGraceMs) return 'aborted';
  if (now - w.startWall > w.wallMs) return 'timeout';
  if (cpuNowNs !== undefined && w.startCpuNs !== undefined && Number(cpuNowNs - w.startCpuNs) / 1e6 > w.cpuMs) return 'timeout';
  return undefined;
}

/** Runs `tick` forever; it returns whether anything is in flight, which sets the next delay. */
export class Watchdog {
  #timer: NodeJS.Timeout | undefined;
  #tick: () => boolean;
  #stopped = false;

  constructor(tick: () => boolean) {
    this.#tick = tick;
  }

  /** Polls soon (something just started). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#schedule(BUSY_POLL_MS);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => {
      let busy = true;
      try {
        busy = this.#tick();
      } finally {
        if (!this.#stopped) this.#schedule(busy ? BUSY_POLL_MS : IDLE_POLL_MS);
      }
    }, ms);
    this.#timer.unref();
  }
}
