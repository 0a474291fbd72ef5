/**
 * AWS event-stream responses (reference §4.5): frames encoded by smithy's codec, written one
 * per write with a delay between them, on a hijacked HTTP/2 response so the emulator can
 * also end the stream abruptly (RST_STREAM) when a fault asks for it.
 */
import { constants } from 'node:http2';
import type { Http2ServerResponse } from 'node:http2';
import { setTimeout as delay } from 'node:timers/promises';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { FastifyReply } from 'fastify';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(headers: Record<string, string>, payload: unknown): Uint8Array {
  const encoded: Record<string, { type: 'string'; value: string }> = {};
  for (const [name, value] of Object.entries(headers)) encoded[name] = { type: 'string', value };
  return codec.encode({ headers: encoded, body: fromUtf8(JSON.stringify(payload)) });
}

/** A normal event: `:message-type` event with its `:event-type`. */
export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return frame({ ':message-type': 'event', ':event-type': eventType, ':content-type': 'application/json' }, payload);
}

/** A modeled mid-stream error the SDK throws from its iterator, e.g. `modelStreamErrorException`. */
export function exceptionFrame(exceptionType: string, payload: unknown): Uint8Array {
  return frame({ ':message-type': 'exception', ':exception-type': exceptionType, ':content-type': 'application/json' }, payload);
}

export class FrameWriter {
  #res: Http2ServerResponse;
  #delayMs: number;
  #frames = 0;

  /** Takes the response over from Fastify and sends the 200 head (keeping headers set so far). */
  constructor(reply: FastifyReply, delayMs: number, headers: Record<string, string>) {
    this.#delayMs = delayMs;
    const carried: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (typeof value === 'string') carried[name.toLowerCase()] = value;
    }
    reply.hijack();
    this.#res = reply.raw as unknown as Http2ServerResponse;
    this.#res.writeHead(200, { ...carried, 'content-type': 'application/vnd.amazon.eventstream', ...headers });
  }

  /** False once the client has gone away (cancelled its iterator, closed the session). */
  get open(): boolean {
    return !this.#res.destroyed && !this.#res.stream.destroyed && !this.#res.stream.closed;
  }

  /** Writes one frame, after the configured delay unless it is the first. */
  async write(bytes: Uint8Array): Promise<boolean> {
    if (this.#frames > 0 && this.#delayMs > 0) await delay(this.#delayMs);
    if (!this.open) return false;
    this.#frames += 1;
    this.#res.write(bytes);
    return true;
  }

  end(): void {
    if (this.open) this.#res.end();
  }

  /** Resets the HTTP/2 stream (RST_STREAM INTERNAL_ERROR): the client sees a broken connection. */
  reset(): void {
    if (this.open) this.#res.stream.close(constants.NGHTTP2_INTERNAL_ERROR);
  }
}

/** Splits text into deltas of a few words each; they concatenate back to the text exactly. */
export function wordChunks(text: string, wordsPerChunk = 3): string[] {
  const words = text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text]);
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk) chunks.push(words.slice(i, i + wordsPerChunk).join(''));
  return chunks;
}

/** Splits a string into `parts` pieces of about equal length, never inside a code point. */
export function evenChunks(text: string, parts: number): string[] {
  const chars = [...text];
  const size = Math.max(1, Math.ceil(chars.length / parts));
  const chunks: string[] = [];
  for (let i = 0; i < chars.length; i += size) chunks.push(chars.slice(i, i + size).join(''));
  return chunks;
}
