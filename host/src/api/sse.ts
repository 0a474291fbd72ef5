/**
 * One Server-Sent Events answer on a hijacked reply, as both event-stream routes send it:
 * the headers and a `retry:` line, a `: ping` comment every heartbeat so proxies keep the
 * stream open, and a cap on unsent bytes. A client that stops reading is cut off at the cap
 * instead of growing the host's memory.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface SseOptions {
  /** Interval of the `: ping` comment, in ms. */
  heartbeatMs: number;
  /** Unsent bytes past which the client counts as not reading and the stream is cut. */
  maxBuffered: number;
  /** What EventSource waits before it reconnects, in ms. */
  retryMs: number;
  /** Told when the stream is cut for a client that does not read. */
  onSlowClient(buffered: number): void;
}

export class SseStream {
  #res: ServerResponse;
  #options: SseOptions;
  #heartbeat: NodeJS.Timeout;
  #closed = false;
  #onClose: (() => void)[] = [];

  /** Hijacks `reply` and writes the head; check `closed` before subscribing to anything. */
  constructor(req: FastifyRequest, reply: FastifyReply, options: SseOptions) {
    reply.hijack();
    this.#res = reply.raw;
    this.#options = options;
    this.#heartbeat = setInterval(() => this.send(': ping\n\n'), options.heartbeatMs);
    this.#res.on('close', () => this.#cleanup());
    this.#res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    this.#res.write(`retry: ${options.retryMs}\n\n`);
    // The client may have gone while the route read its data: 'close' has then already fired.
    if (this.#res.destroyed || req.raw.socket.destroyed) this.#cleanup();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `fn` once when the stream closes, whoever closes it (at once when it already has). */
  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#onClose.push(fn);
  }

  /** Writes one chunk, or cuts the stream when the client has left `maxBuffered` bytes unread. */
  send(chunk: string): void {
    if (this.#closed) return;
    // Checked before writing, so one large event (an execution's output) still goes out whole.
    if (this.#res.writableLength > this.#options.maxBuffered) {
      this.#options.onSlowClient(this.#res.writableLength);
      this.#cleanup();
      this.#res.destroy();
      return;
    }
    this.#res.write(chunk);
  }

  /** Ends the stream normally. */
  end(): void {
    this.#cleanup();
    this.#res.end();
  }

  /**
   * Ends the stream and then its connection: a closing server waits for every connection,
   * and one left to idle in keep-alive would hold the close up until its timeout.
   */
  endAndDisconnect(): void {
    this.#cleanup();
    this.#res.end(() => this.#res.destroy());
  }

  /** Resolves once the socket has drained below `bytes` (or closed); undefined when it already has. */
  drained(bytes: number): Promise<void> | undefined {
    const res = this.#res;
    if (res.writableLength < bytes || res.destroyed) return undefined;
    return new Promise((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const fn of this.#onClose.splice(0)) fn();
  }
}

/** One event in the SSE wire format; JSON.stringify never emits a raw line break. */
export function sseFrame(type: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${type}\ndata: ${JSON.stringify(data ?? null) ?? 'null'}\n\n`;
}

/** The streams a route has open, so a closing server can end them (an open stream would hold it up). */
export class OpenStreams {
  #open = new Set<SseStream>();

  get size(): number {
    return this.#open.size;
  }

  add(stream: SseStream): void {
    this.#open.add(stream);
    stream.onClose(() => this.#open.delete(stream));
  }

  /** For a closing server: ends each stream and its connection. */
  endAll(): void {
    for (const stream of [...this.#open]) stream.endAndDisconnect();
  }
}
