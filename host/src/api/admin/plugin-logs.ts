/**
 * A plugin's live log (admin): its `ctx.log` lines and the end of each of its calls as
 * Server-Sent Events, from the moment the stream opens; nothing earlier is kept. `easel dev`
 * follows it to show an author what the plugin does.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import type { PluginLogStreams } from '../../monitoring/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { routeSchema } from '../openapi/route-schema.ts';
import { pluginName } from '../schemas.ts';
import { OpenStreams, SseStream, sseFrame } from '../sse.ts';

export interface PluginLogRoutesOptions {
  logs: PluginLogStreams;
  /** Only to tell an installed plugin from an unknown name (PLUGIN_NOT_FOUND). */
  plugins: Pick<PluginService, 'get'>;
  keys: ApiKeyRepository;
  /** Interval of the `: ping` comment that keeps idle streams open through proxies. */
  heartbeatMs: number;
  /** Unsent bytes past which a client counts as not reading and is cut off. */
  maxBufferedBytes: number;
}

const RETRY_MS = 2000;

export const pluginLogRoutes: FastifyPluginAsync<PluginLogRoutesOptions> = async (app, { logs, plugins, keys, heartbeatMs, maxBufferedBytes }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));
  const streams = new OpenStreams();
  // An open stream would keep the server from closing.
  app.addHook('preClose', async () => streams.endAll());

  app.get<{ Params: { name: string } }>(
    '/v1/plugins/:name/logs',
    {
      schema: routeSchema({
        tag: 'plugins',
        summary: 'Follow a plugin’s log',
        description: 'Server-Sent Events, live only: `log` events (each ctx.log line: {level, message, fields?, executionId, time}) and `call` events (each of its calls that ended: {kind, target, version, executionId, stepId?, caller?, outcome, code?, message?, durationMs}), and a `: ping` comment every EASEL_SSE_HEARTBEAT_MS.',
        audience: 'admin',
        params: { type: 'object', required: ['name'], properties: { name: pluginName } },
        ok: { 200: { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string', description: 'Server-Sent Events' } } } } },
        errors: ['PLUGIN_NOT_FOUND', 'LOG_STREAMS_BUSY'],
      }),
    },
    async (req, reply) => {
      const { name } = await plugins.get(req.params.name);
      // Taken before the answer starts, so a refusal (LOG_STREAMS_BUSY) is still a plain error.
      let stream: SseStream | undefined;
      const leave = logs.follow(name, (e) => stream?.send(sseFrame(e.type, e.data)));
      stream = new SseStream(req, reply, {
        heartbeatMs,
        maxBuffered: maxBufferedBytes,
        retryMs: RETRY_MS,
        onSlowClient: (buffered) => req.log.warn({ plugin: name, buffered }, 'plugin log client is not reading: stream cut'),
      });
      stream.onClose(leave);
      streams.add(stream);
    },
  );
};
