/**
 * An execution's event stream as Server-Sent Events: the stored log after the client's
 * resume point (Last-Event-ID or ?after), then live events, until `execution.finished`.
 * A client that stops reading is cut off rather than buffered without end; it reconnects
 * with Last-Event-ID and loses nothing.
 */
import type { FastifyPluginAsync } from 'fastify';
import { appScopeOf, requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ExecutionEvent, ExecutionEvents } from '../../orchestration/execution-events.ts';
import type { ApiKeyRepository, ExecutionRepository } from '../../store/index.ts';
import { routeSchema } from '../openapi/route-schema.ts';
import { OpenStreams, SseStream, sseFrame } from '../sse.ts';

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
    throw new EaselError('REQUEST_INVALID', { reason: 'Last-Event-ID must be the id (an integer >= 0) of an event of this stream' }, {
      problems: [{ path: '/headers/last-event-id', message: 'must be an integer >= 0' }],
    });
  }
  return n;
}

const frame = (e: ExecutionEvent): string => sseFrame(e.type, e.data, e.seq);

export const executionEventRoutes: FastifyPluginAsync<ExecutionEventRoutesOptions> = async (app, { events, executions, keys, heartbeatMs, maxStreams }) => {
  app.addHook('onRequest', requireRole(keys, ['app', 'admin']));
  const streams = new OpenStreams();
  // An open stream would keep the server from closing.
  app.addHook('preClose', async () => streams.endAll());

  app.get<{ Params: { id: string }; Querystring: { after?: number } }>(
    '/v1/executions/:id/events',
    {
      schema: routeSchema({
        tag: 'executions',
        summary: 'Follow an execution’s events',
        description: 'Server-Sent Events, numbered from 1: the stored log after the resume point, then live, until `execution.finished`. Events: execution.queued, execution.started, step.started, step.finished, model.delta, progress, execution.finished (docs/reference/http-api.md#the-event-stream). Resume with `Last-Event-ID` (or `?after=`).',
        audience: 'any-key',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid', maxLength: 36 } } },
        querystring: { type: 'object', properties: { after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'send the events after this id (Last-Event-ID wins)' } } },
        docHeaders: { type: 'object', properties: { 'last-event-id': { type: 'string', description: 'the id of the last event received: the stream goes on after it' } } },
        ok: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string', description: 'Server-Sent Events' } } } } },
        errors: ['EXECUTION_NOT_FOUND', 'EXECUTIONS_BUSY'],
      }),
    },
    async (req, reply) => {
      // A reconnecting EventSource sends Last-Event-ID and the original URL: the header is newer.
      const after = lastEventId(req.headers['last-event-id']) ?? req.query.after ?? 0;
      const record = await executions.get(req.params.id);
      const own = appScopeOf(req.principal);
      // An app key sees its app's executions only, an admin all; the answer is the same as for an unknown id.
      if (record === undefined || (own !== undefined && record.appId !== own)) {
        throw new EaselError('EXECUTION_NOT_FOUND', { id: req.params.id });
      }
      if (streams.size >= maxStreams) throw new EaselError('EXECUTIONS_BUSY', { reason: `${maxStreams} execution event streams are open already; retry later` });

      const log = req.log.child({ executionId: record.id });
      const stream = new SseStream(req, reply, {
        heartbeatMs,
        maxBuffered: MAX_BUFFERED,
        retryMs: RETRY_MS,
        onSlowClient: (buffered) => log.warn({ buffered }, 'event stream client is not reading: stream cut, it may reconnect with Last-Event-ID'),
      });
      streams.add(stream);
      if (stream.closed) return;
      const unsubscribe = events.subscribe(record.id, after, (e) => stream.send(frame(e)), () => stream.end(), {
        endIfIdle: !ACTIVE.has(record.status),
        ready: () => stream.drained(REPLAY_BUFFERED),
      });
      stream.onClose(unsubscribe);
    },
  );
};
