/**
 * The soak's HTTP client: JSON calls with a deadline, an execution's event stream read to its
 * end, and raw HTTP/1.1 for requests `fetch` will not send (a bad percent-encoding, a huge
 * header block).
 */
import { connect } from 'node:net';

export interface Reply {
  status: number;
  body?: any;
  /** The body's `code` when it is an error body. */
  code?: string;
  message?: string;
  ms: number;
}

export interface CallInit {
  key: string;
  body?: unknown;
  /** Sent as is (a malformed or oversize body), with `content-type`. */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Client-side deadline of one call: far above any answer a working host takes. */
export const CALL_TIMEOUT_MS = 120_000;

function codeOf(body: unknown): { code?: string; message?: string } {
  if (body === null || typeof body !== 'object') return {};
  const { code, message } = body as { code?: unknown; message?: unknown };
  return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined };
}

/**
 * One request. A network failure or the deadline gives status 0 and code `NETWORK_ERROR` or
 * `CLIENT_TIMEOUT`; an abort by `init.signal` (a hang-up on purpose) gives code `HUNG_UP`.
 */
export async function call(base: string, method: string, path: string, init: CallInit): Promise<Reply> {
  const started = performance.now();
  const headers: Record<string, string> = { authorization: `Bearer ${init.key}`, ...init.headers };
  let body: string | Buffer | undefined;
  if (init.raw !== undefined) {
    body = init.raw;
    headers['content-type'] = init.contentType ?? 'application/json';
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const deadline = AbortSignal.timeout(init.timeoutMs ?? CALL_TIMEOUT_MS);
  const signal = init.signal ? AbortSignal.any([deadline, init.signal]) : deadline;
  try {
    const res = await fetch(`${base}${path}`, { method, headers, body, signal });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: kept as text, and it has no code
    }
    return { status: res.status, body: parsed, ...(res.ok ? {} : codeOf(parsed)), ms: performance.now() - started };
  } catch (err) {
    const ms = performance.now() - started;
    if (init.signal?.aborted) return { status: 0, code: 'HUNG_UP', ms };
    if (deadline.aborted) return { status: 0, code: 'CLIENT_TIMEOUT', message: `no answer within ${init.timeoutMs ?? CALL_TIMEOUT_MS} ms`, ms };
    return { status: 0, code: 'NETWORK_ERROR', message: String((err as Error)?.cause ?? err), ms };
  }
}

export interface SseEvent {
  id: number;
  event: string;
  data: any;
}

export interface Followed {
  status: number;
  code?: string;
  events: SseEvent[];
  /** The stream ended (the host closed it) rather than the deadline. */
  ended: boolean;
}

/** Reads `GET /v1/executions/:id/events` until the host closes it or the deadline passes. */
export async function follow(base: string, key: string, executionId: string, timeoutMs = CALL_TIMEOUT_MS): Promise<Followed> {
  const signal = AbortSignal.timeout(timeoutMs);
  const events: SseEvent[] = [];
  let res: Response;
  try {
    res = await fetch(`${base}/v1/executions/${executionId}/events`, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, signal });
  } catch {
    return { status: 0, code: signal.aborted ? 'CLIENT_TIMEOUT' : 'NETWORK_ERROR', events, ended: false };
  }
  if (res.status !== 200 || !res.body) {
    const body = await res.text().catch(() => '');
    let code: string | undefined;
    try {
      code = codeOf(JSON.parse(body)).code;
    } catch {
      // uncoded
    }
    return { status: res.status, code, events, ended: true };
  }
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const fields: Record<string, string> = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':') || line === '') continue;
          const colon = line.indexOf(':');
          const name = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          fields[name] = fields[name] === undefined ? value : `${fields[name]}\n${value}`;
        }
        if (fields.event === undefined) continue;
        let data: unknown = fields.data;
        try {
          data = JSON.parse(fields.data ?? '');
        } catch {
          // kept as text
        }
        events.push({ id: Number(fields.id), event: fields.event, data });
      }
    }
  } catch {
    return { status: 200, code: signal.aborted ? 'CLIENT_TIMEOUT' : 'NETWORK_ERROR', events, ended: false };
  }
  return { status: 200, events, ended: true };
}

/** One raw HTTP/1.1 request on a fresh connection; the status and the body's code. */
export function rawRequest(base: string, head: string, timeoutMs = 30_000): Promise<Reply> {
  const started = performance.now();
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const done = (reply: Omit<Reply, 'ms'>) => {
      socket.destroy();
      resolve({ ...reply, ms: performance.now() - started });
    };
    socket.setTimeout(timeoutMs, () => done({ status: 0, body: undefined, code: 'CLIENT_TIMEOUT' }));
    socket.on('error', () => done({ status: 0, body: undefined, code: 'NETWORK_ERROR' }));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyText = text.slice(text.indexOf('\r\n\r\n') + 4);
      let body: unknown = bodyText;
      try {
        body = JSON.parse(bodyText);
      } catch {
        // chunked or not JSON: look for the object inside
        const m = /\{[\s\S]*\}/.exec(bodyText);
        if (m) {
          try {
            body = JSON.parse(m[0]);
          } catch {
            // uncoded
          }
        }
      }
      done({ status, body, ...codeOf(body) });
    });
    socket.write(head);
  });
}
