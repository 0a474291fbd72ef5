/**
 * A sandbox worker in the host's own process (`EASEL_SANDBOX_MODE=in-process`): the same
 * runtime a worker process runs, its messages passed as objects instead of frames on a socket.
 * Plugin code still runs only in isolates with the same limits, bridges and grants; what it
 * gives up is the process boundary (see docs/guides/operating-the-host.md): no resident-memory
 * cap, and an isolate V8 cannot stop ends the host, not a worker.
 *
 * Messages are delivered in order on a later microtask, as a socket would deliver them later:
 * neither side ever sees an answer before its own `send` has returned.
 */
import type { ParentMessage, WorkerInit, WorkerMessage } from './protocol.ts';
import type { ExitDetail, WorkerEvents, WorkerLink } from './worker-link.ts';
import { WorkerRuntime } from './worker-runtime.ts';

export class InProcessWorker implements WorkerLink {
  readonly pid = undefined;
  readonly ready: Promise<void>;
  alive = true;
  isReady = false;
  #events: WorkerEvents;
  #runtime: WorkerRuntime | undefined;
  #reason: string | undefined;
  #ended: Promise<void>;
  #markEnded!: () => void;

  constructor(init: WorkerInit, events: WorkerEvents) {
    this.#events = events;
    this.#ended = new Promise((resolve) => (this.#markEnded = resolve));
    try {
      this.#runtime = new WorkerRuntime(init, (m, attachments) => this.#fromRuntime(m, attachments), () => this.#end(0, undefined));
      this.isReady = true;
      this.ready = Promise.resolve();
    } catch (err) {
      this.ready = Promise.reject(err as Error);
      this.ready.catch(() => undefined);
      this.#end(null, `the runtime did not start: ${(err as Error).message}`);
    }
  }

  send(message: ParentMessage, attachments: readonly Uint8Array[] = []): boolean {
    if (!this.alive) return false;
    const runtime = this.#runtime!;
    const buffers = attachments.map(asBuffer);
    queueMicrotask(() => {
      if (this.alive) runtime.handle(message, buffers);
    });
    return true;
  }

  /** Drops every isolate at once; the runtime's calls fail as a dead worker's do. */
  kill(reason: string): void {
    if (!this.alive) return;
    this.#reason ??= reason;
    this.#runtime?.handle({ t: 'shutdown' });
    this.#end(null, reason);
  }

  async shutdown(graceMs: number): Promise<void> {
    if (!this.alive) return;
    this.send({ t: 'shutdown' });
    const timer = setTimeout(() => this.kill('did not stop in time'), graceMs);
    await this.#ended;
    clearTimeout(timer);
  }

  #fromRuntime(m: WorkerMessage, attachments: readonly Uint8Array[] = []): void {
    if (!this.alive) return;
    const buffers = attachments.map(asBuffer);
    queueMicrotask(() => {
      if (this.alive) this.#events.onMessage(this, m, buffers);
    });
  }

  #end(code: number | null, reason: string | undefined): void {
    if (!this.alive) return;
    this.alive = false;
    const detail: ExitDetail = { code, signal: null, reason: this.#reason ?? reason, stderr: '' };
    this.#markEnded();
    queueMicrotask(() => this.#events.onExit(this, detail));
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
