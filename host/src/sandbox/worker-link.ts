/**
 * What the supervisor holds of one worker: a process it spawned (worker-process.ts, the
 * default) or a runtime in its own process (in-process-worker.ts, for trusted plugins). Either
 * way it sends ParentMessages, gets WorkerMessages back in order, and learns of the worker's
 * end through one `onExit` call.
 */
import type { ParentMessage, WorkerMessage } from './protocol.ts';

export interface ExitDetail {
  code: number | null;
  signal: string | null;
  reason: string | undefined;
  stderr: string;
}

export interface WorkerEvents {
  /** `attachments`: the byte arrays the message carries (see protocol.ts). */
  onMessage(worker: WorkerLink, message: WorkerMessage, attachments: Buffer[]): void;
  onExit(worker: WorkerLink, detail: ExitDetail): void;
}

export interface WorkerLink {
  /** The worker's process id; undefined for a worker in the host's own process. */
  readonly pid: number | undefined;
  /** Settles when the worker has said it is ready; rejects if it ends first. */
  readonly ready: Promise<void>;
  readonly alive: boolean;
  readonly isReady: boolean;
  /** False when the message could not be sent (the worker is gone, or it cannot be carried). */
  send(message: ParentMessage, attachments?: readonly Uint8Array[]): boolean;
  /** Ends the worker at once; its calls fail. */
  kill(reason: string): void;
  /** Asks the worker to stop; kills it if it has not after `graceMs`. */
  shutdown(graceMs: number): Promise<void>;
}
