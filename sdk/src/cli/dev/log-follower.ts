/**
 * Follows a plugin's live log on the host (`GET /v1/plugins/:name/logs`) and prints each
 * `ctx.log` line and each call as it happens. The stream keeps no history, so a dropped
 * stream is opened again (what happened in between is not shown).
 */
import type { CliIo } from '../io.ts';
import { HostError, type HostClient } from './host-client.ts';
import { callLine, logLine } from './report.ts';

const RETRY_MS = 1000;
/** How long the first open may take before the loaded plugin is announced anyway. */
const OPEN_WAIT_MS = 3000;

export class LogFollower {
  readonly plugin: string;
  #client: HostClient;
  #key: string;
  #io: CliIo;
  #closed = false;
  #stream: { close(): void } | undefined;
  #retry: NodeJS.Timeout | undefined;
  #warned = false;

  constructor(client: HostClient, key: string, plugin: string, io: CliIo) {
    this.#client = client;
    this.#key = key;
    this.plugin = plugin;
    this.#io = io;
  }

  /** Opens the stream; resolves once it is open (or has failed, or after a short wait), so a call made next is seen. */
  start(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, OPEN_WAIT_MS);
      this.#open(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#stream?.close();
  }

  #open(onOpen: () => void): void {
    if (this.#closed) return onOpen();
    const path = `/v1/plugins/${encodeURIComponent(this.plugin)}/logs`;
    const stream = this.#client.events(path, this.#key, (type, data) => {
      if (type === 'log') this.#io.out(logLine(data as Parameters<typeof logLine>[0]));
      else if (type === 'call') this.#io.out(callLine(data as Parameters<typeof callLine>[0]));
    });
    this.#stream = stream;
    stream.opened.then(onOpen, onOpen);
    stream.done.then(
      () => this.#again(),
      (err: unknown) => {
        // Said once: a stream the host keeps refusing (too many open, an old host without the route) is retried quietly.
        if (!this.#warned && !this.#closed) {
          this.#warned = true;
          const why = err instanceof HostError ? `${err.code}: ${err.message}` : (err as Error).message;
          this.#io.err(`cannot follow ${this.plugin}'s logs (${why}); retrying`);
        }
        this.#again();
      },
    );
  }

  #again(): void {
    if (this.#closed) return;
    this.#retry = setTimeout(() => this.#open(() => {}), RETRY_MS);
  }
}
