/**
 * Length-prefixed frames over a byte stream (the worker's fd 3): a JSON message plus any
 * number of raw byte attachments (image bytes cross as bytes, never as base64 in JSON).
 * Used instead of Node's `process.send` IPC because Node parses IPC messages itself: a
 * garbage line from a child becomes an uncaughtException in the parent, and a message has
 * no size cap. Here every frame is capped before it is buffered and a bad frame is
 * reported, never thrown.
 *
 * Frame: u32 body length | u32 JSON length | u32 attachment count | JSON |
 *        (u32 attachment length | attachment bytes)*
 */
import type { Duplex } from 'node:stream';

const HEADER = 4;
const U32 = 4;
const MAX_ATTACHMENTS = 64;
/** Attachments up to this many bytes in all are copied into the frame's one buffer. */
const COPY_ATTACHMENTS_UP_TO = 64 * 1024;

export interface FrameChannelOptions {
  /** Largest frame body accepted, in bytes (JSON and attachments together). */
  maxFrameBytes: number;
  onMessage(message: unknown, attachments: Buffer[]): void;
  /** A frame was too large or malformed; the stream should be dropped. */
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

  /**
   * Sends one message with its attachments; false if it could not be serialized or the stream
   * is gone. Large attachments are written as they are, not copied: the caller hands them over
   * and must not change them afterwards.
   */
  send(message: unknown, attachments: readonly Uint8Array[] = []): boolean {
    if (this.#broken || this.#stream.destroyed || !this.#stream.writable) return false;
    if (attachments.length > MAX_ATTACHMENTS) return false;
    let json: string;
    try {
      json = JSON.stringify(message);
    } catch {
      return false;
    }
    const jsonSize = Buffer.byteLength(json);
    const attached = attachments.reduce((n, a) => n + U32 + a.byteLength, 0);
    const body = 2 * U32 + jsonSize + attached;
    // A small frame is copied into one buffer: one write to the socket instead of one per piece
    // (each write is a call into the stream machinery, a visible share of the host's CPU per
    // call). A large one is written piece by piece, its attachments without a copy.
    const whole = attached <= COPY_ATTACHMENTS_UP_TO;
    const head = Buffer.allocUnsafe(HEADER + 2 * U32 + jsonSize + (whole ? attached : 0));
    head.writeUInt32BE(body, 0);
    head.writeUInt32BE(jsonSize, HEADER);
    head.writeUInt32BE(attachments.length, HEADER + U32);
    let at = HEADER + 2 * U32 + head.write(json, HEADER + 2 * U32, 'utf8');
    if (whole) {
      for (const a of attachments) {
        at = head.writeUInt32BE(a.byteLength, at);
        head.set(a, at);
        at += a.byteLength;
      }
      this.#stream.write(head);
      return true;
    }
    this.#stream.cork();
    this.#stream.write(head);
    for (const a of attachments) {
      const size = Buffer.allocUnsafe(U32);
      size.writeUInt32BE(a.byteLength, 0);
      this.#stream.write(size);
      this.#stream.write(a);
    }
    this.#stream.uncork();
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
      const size = this.#peek(HEADER).readUInt32BE(0);
      if (size > this.#opts.maxFrameBytes) return this.#violate(`frame of ${size} bytes is over the ${this.#opts.maxFrameBytes} byte cap`);
      if (this.#buffered < HEADER + size) return;
      const body = this.#take(HEADER + size).subarray(HEADER);
      const parsed = parseBody(body);
      if (typeof parsed === 'string') return this.#violate(parsed);
      this.#opts.onMessage(parsed.message, parsed.attachments);
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

/**
 * Splits a frame body; a string is the reason it is malformed. Each attachment is a copy with
 * an ArrayBuffer of its own (not a view of the stream's chunks, nor of Buffer's shared pool),
 * so it can go on into an isolate without another copy.
 */
function parseBody(body: Buffer): { message: unknown; attachments: Buffer[] } | string {
  if (body.length < 2 * U32) return 'frame is too short';
  const jsonSize = body.readUInt32BE(0);
  const count = body.readUInt32BE(U32);
  if (count > MAX_ATTACHMENTS || 2 * U32 + jsonSize > body.length) return 'frame header is inconsistent';
  let message: unknown;
  try {
    message = JSON.parse(body.subarray(2 * U32, 2 * U32 + jsonSize).toString('utf8'));
  } catch {
    return 'frame is not JSON';
  }
  const attachments: Buffer[] = [];
  let at = 2 * U32 + jsonSize;
  for (let i = 0; i < count; i++) {
    if (at + U32 > body.length) return 'frame attachment is cut short';
    const size = body.readUInt32BE(at);
    at += U32;
    if (at + size > body.length) return 'frame attachment is cut short';
    attachments.push(Buffer.from(body.buffer.slice(body.byteOffset + at, body.byteOffset + at + size)));
    at += size;
  }
  if (at !== body.length) return 'frame has trailing bytes';
  return { message, attachments };
}
