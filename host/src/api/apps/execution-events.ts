/**
 * An execution's event stream as Server-Sent Events: the stored log after the client's
 * resume point (Last-Event-ID or ?after), then live events, until `execution.finished`.
 * A client that stops reading is cut off rather than buffered without end; it reconnects
 * with Last-Event-ID and loses nothing.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ExecutionEvent, ExecutionEvents } from '../../orchestration/execution-events.ts';
import type { ApiKeyRepository, ExecutionRepository } from '../../store/index.ts';

export interface ExecutionEventRoutesOptions {
  events: ExecutionEvents;
  executions: ExecutionRepository;
  keys: ApiKeyRepository;
  /** Interval of the `: ping` comment that keeps idle streams open through proxies. */
  heartbeatMs: number;
  /** Streams open at once; more are refused with EXECUTIONS_BUSY. */
  maxStreams: number;
}

/** Unsent bytes past which a client counts as not reading. */
const MAX_BUFFERED = 1024 * 1024;
/** A replay waits for the socket to drain below this before sending more. */
const REPLAY_BUFFERED = MAX_BUFFERED / 2;
const RETRY_MS = 2000;
const SEQ = /^(0|[1-9][0-9]{0,15})$/;
/** Executions that may still publish; for the others a log without its finish is complete as it is. */
const ACTIVE: ReadonlySet<string> = new Set(['queued', 'running']);

/** The Last-Event-ID header as a seq; undefined when absent (or empty, as EventSource sends after an id reset). */
function lastEventId(header: string | string[] | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  const n = typeof header === 'string' && SEQ.test(header) ? Number(header) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new EaselError('REQUEST_INVALID', 'Last-Event-ID must be the id (an integer >= 0) of an event of this stream', {
      problems: [{ path: '/headers/last-event-id', message: 'must be an integer >= 0' }],
    });
  }
  return n;
}

/** One event in the SSE wire format; JSON.stringify never emits a raw line break. */
const frame = (e: ExecutionEvent): string => `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data ?? null) ?? 'null'}\n\n`;

/** Resolves once `res` has drained below `bytes` (or closed); undefined when it already has. */
function drained(res: ServerResponse, bytes: number): Promise<void> | undefined {
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

export const executionEventRoutes: FastifyPluginAsync<ExecutionEventRoutesOptions> = async (app, { events, executions, keys, heartbeatMs, maxStreams }) => {
  app.addHook('onRequest', requireRole(keys, ['app', 'admin']));
  /** Ends each open stream. */
  const streams = new Set<() => void>();
  // An open stream would keep the server from closing.
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  app.get<{ Params: { id: string }; Querystring: { after?: number } }>(
    '/v1/executions/:id/events',
    {
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid', maxLength: 36 } } },
        querystring: { type: 'object', properties: { after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } } },
      },
    },
    async (req, reply) => {
      // A reconnecting EventSource sends Last-Event-ID and the original URL: the header is newer.
      const after = lastEventId(req.headers['last-event-id']) ?? req.query.after ?? 0;
      const record = await executions.get(req.params.id);
      const principal = req.principal;
      // An app sees its own executions only, an admin all; the answer is the same as for an unknown id.
      if (record === undefined || principal === undefined || (principal.role !== 'admin' && record.apiKeyId !== principal.keyId)) {
        throw new EaselError('EXECUTION_NOT_FOUND', `no execution ${req.params.id}`);
      }
      if (streams.size >= maxStreams) throw new EaselError('EXECUTIONS_BUSY', 'too many execution event streams are open; retry later');

      reply.hijack();
      const res = reply.raw;
      const log = req.log.child({ executionId: record.id });
      let closed = false;
      let unsubscribe = () => {};
      const cleanup = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(end);
      };
      const end = () => {
        cleanup();
        res.end();
      };
      const send = (chunk: string) => {
        if (closed) return;
        // Checked before writing, so one large event (an execution's output) still goes out whole.
        if (res.writableLength > MAX_BUFFERED) {
          log.warn({ buffered: res.writableLength }, 'event stream client is not reading: stream cut, it may reconnect with Last-Event-ID');
          cleanup();
          res.destroy();
          return;
        }
        res.write(chunk);
      };
      const heartbeat = setInterval(() => send(': ping\n\n'), heartbeatMs);
      streams.add(end);
      res.on('close', cleanup);
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
      res.write(`retry: ${RETRY_MS}\n\n`);
      // The client may have gone while the execution was read: 'close' has then already fired.
      if (res.destroyed || req.raw.socket.destroyed) {
        cleanup();
        return;
      }
      unsubscribe = events.subscribe(record.id, after, (e) => send(frame(e)), end, {
        endIfIdle: !ACTIVE.has(record.status),
        ready: () => drained(res, REPLAY_BUFFERED),
      });
    },
  );
};
