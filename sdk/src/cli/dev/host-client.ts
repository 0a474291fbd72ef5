/**
 * The dev loop's HTTP client for an Easel host: JSON calls and the plugin log stream over one
 * keep-alive agent, so a reload reuses open connections. node:http rather than fetch: `close`
 * destroys every socket at once, where an aborted fetch can leave a fresh idle connection
 * behind that holds up a host stopping right after.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

/** Longest a JSON call may go without any traffic (uploads of large bundles to a remote host included). */
const REQUEST_TIMEOUT_MS = 60_000;

export interface HostAnswer {
  status: number;
  /** The body parsed as JSON, or the text when it is not JSON. */
  body: any;
}

/** An answer other than 2xx, in the host's error shape when it sent one. */
export class HostError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(status: number, body: unknown) {
    const shaped = body !== null && typeof body === 'object' ? (body as { code?: unknown; message?: unknown; details?: unknown }) : {};
    super(typeof shaped.message === 'string' ? shaped.message : `HTTP ${status}: ${String(body).slice(0, 200)}`);
    this.name = 'HostError';
    this.status = status;
    this.code = typeof shaped.code === 'string' ? shaped.code : `HTTP_${status}`;
    this.details = shaped.details !== null && typeof shaped.details === 'object' ? (shaped.details as Record<string, unknown>) : undefined;
  }
}

export class HostClient {
  readonly url: string;
  #base: URL;
  #agent: http.Agent;
  #open = new Set<http.ClientRequest>();

  constructor(url: string) {
    this.#base = new URL(url);
    this.url = this.#base.origin;
    const Agent = this.#base.protocol === 'https:' ? https.Agent : http.Agent;
    this.#agent = new Agent({ keepAlive: true, maxSockets: 8 });
  }

  /** Sends a JSON body (or raw bytes) with `key` (none when empty); resolves with any status, rejects only when the host cannot be reached. */
  request(method: string, path: string, key: string, body?: { json: unknown } | { gzip: Buffer }): Promise<HostAnswer> {
    const payload = body === undefined ? undefined : 'json' in body ? Buffer.from(JSON.stringify(body.json)) : body.gzip;
    const headers = bearer(key);
    if (body !== undefined) headers['content-type'] = 'json' in body ? 'application/json' : 'application/gzip';
    return new Promise((resolve, reject) => {
      const req = this.#send(method, path, headers, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: parse(Buffer.concat(chunks).toString('utf8')) }));
      });
      req.on('error', reject);
      // A host that stops answering must not hold a reload (and so Ctrl-C) forever.
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer from ${this.url} within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.end(payload);
    });
  }

  /** As `request`, but a status other than 2xx rejects with a HostError. */
  async call(method: string, path: string, key: string, body?: { json: unknown } | { gzip: Buffer }): Promise<any> {
    const answer = await this.request(method, path, key, body);
    if (answer.status < 200 || answer.status > 299) throw new HostError(answer.status, answer.body);
    return answer.body;
  }

  /**
   * Opens a Server-Sent Events stream and hands each event to `onEvent`. `opened` resolves
   * once the host has answered 200; `done` resolves when the stream ends (or is closed), and
   * both reject with a HostError when the host refuses it.
   */
  events(path: string, key: string, onEvent: (type: string, data: unknown) => void): { opened: Promise<void>; done: Promise<void>; close(): void } {
    let opened!: () => void;
    const whenOpened = new Promise<void>((resolve) => (opened = resolve));
    let closing = false;
    const req = this.#send('GET', path, { ...bearer(key), accept: 'text/event-stream' });
    const done = new Promise<void>((resolve, reject) => {
      req.on('response', (res) => {
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (chunk: string) => void (text += chunk));
          res.on('end', () => reject(new HostError(res.statusCode ?? 0, parse(text))));
          return;
        }
        opened();
        readEvents(res, onEvent);
        res.on('close', () => resolve());
      });
      req.on('error', (err) => (req.destroyed && closing ? resolve() : reject(err)));
    });
    req.end();
    // `opened` settles with `done` when the stream never opens.
    return {
      opened: Promise.race([whenOpened, done]),
      done,
      close: () => {
        closing = true;
        req.destroy();
      },
    };
  }

  /** Ends every request in flight and closes every connection. */
  close(): void {
    for (const req of this.#open) req.destroy();
    this.#agent.destroy();
  }

  #send(method: string, path: string, headers: Record<string, string>, onResponse?: (res: IncomingMessage) => void): http.ClientRequest {
    const url = new URL(path, this.#base);
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(url, { method, headers, agent: this.#agent }, onResponse);
    this.#open.add(req);
    req.on('close', () => this.#open.delete(req));
    return req;
  }
}

/** The authorization header; none for an empty key. */
function bearer(key: string): Record<string, string> {
  return key === '' ? {} : { authorization: `Bearer ${key}` };
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** SSE framing: blocks end with a blank line; `event:` names it, `data:` lines carry JSON; comments are skipped. */
function readEvents(res: IncomingMessage, onEvent: (type: string, data: unknown) => void): void {
  let buffered = '';
  res.on('data', (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) onEvent(type, parse(data.join('\n')));
    }
  });
}
