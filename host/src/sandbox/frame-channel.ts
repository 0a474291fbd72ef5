/**
 * Length-prefixed JSON frames over a byte stream (the worker's fd 3). Used instead of Node's
 * `process.send` IPC because Node parses IPC messages itself: a garbage line from a child
 * becomes an uncaughtException in the parent, and a message has no size cap. Here every
 * frame is capped before it is buffered and a bad frame is reported, never thrown.
 */
import type { Duplex } from 'node:stream';

const HEADER = 4;

export interface FrameChannelOptions {
  /** Largest frame body accepted, in bytes. */
  maxFrameBytes: number;
  onMessage(message: unknown): void;
  /** A frame was too large or not JSON; the stream should be dropped. */
  onViolation(reason: string): void;
}

export class FrameChannel {
  #stream: Duplex;
  #opts: FrameChannelOptions;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #broken = false;

  constructor(stream: Duplex, opts: FrameChannelOptions) {
    this.#stream = stream;
    this.#opts = opts;
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    // Write errors (EPIPE after the peer died) are expected; the process exit reports the death.
    stream.on('error', () => undefined);
  }

  /** Sends one message; false if it could not be serialized or the stream is gone. */
  send(message: unknown): boolean {
    if (this.#broken || this.#stream.destroyed || !this.#stream.writable) return false;
    let json: string;
    try {
      json = JSON.stringify(message);
    } catch {
      return false;
    }
    const size = Buffer.byteLength(json);
    const frame = Buffer.allocUnsafe(HEADER + size);
    frame.writeUInt32BE(size, 0);
    frame.write(json, HEADER, 'utf8');
    this.#stream.write(frame);
    return true;
  }

  close(): void {
    this.#broken = true;
    this.#stream.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#broken) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (!this.#broken && this.#buffered >= HEADER) {
      const head = this.#peek(HEADER);
      const size = head.readUInt32BE(0);
      if (size > this.#opts.maxFrameBytes) return this.#violate(`frame of ${size} bytes is over the ${this.#opts.maxFrameBytes} byte cap`);
      if (this.#buffered < HEADER + size) return;
      const body = this.#take(HEADER + size).subarray(HEADER);
      let message: unknown;
      try {
        message = JSON.parse(body.toString('utf8'));
      } catch {
        return this.#violate('frame is not JSON');
      }
      this.#opts.onMessage(message);
    }
  }

  #violate(reason: string): void {
    this.#broken = true;
    this.#chunks = [];
    this.#buffered = 0;
    this.#opts.onViolation(reason);
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0]!.length < n) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0]!.subarray(0, n);
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    return out;
  }
}
