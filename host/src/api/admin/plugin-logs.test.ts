import net from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { expect, vi } from 'vitest';
import { EaselError } from '../../errors/index.ts';
import { PluginLogStreams } from '../../monitoring/index.ts';
import { EventBus } from '../../events/index.ts';
import { pluginRecord, test as storeTest } from '../../store/test-store.ts';
import { installErrorHandling } from '../error-handler.ts';
import { openSse, type SseResponse } from '../test-sse.ts';
import { pluginLogRoutes } from './plugin-logs.ts';

/** Small, so the tests reach them. */
const LIMITS = { maxStreams: 2, maxBufferedBytes: 4096 };

interface Host {
  app: FastifyInstance;
  bus: EventBus;
  logs: PluginLogStreams;
  base: string;
  port: number;
  admin: string;
  appKey: string;
}

const test = storeTest.extend<{ host: Host }>({
  host: async ({ store }, use) => {
    const silent = { error: () => {} };
    const bus = new EventBus(silent);
    const logs = new PluginLogStreams(bus, { maxStreams: LIMITS.maxStreams, logger: silent });
    await store.plugins.install(pluginRecord('hello'));
    const plugins = {
      get: async (name: string) => {
        const found = await store.plugins.get(name);
        if (!found) throw new EaselError('PLUGIN_NOT_FOUND', { plugin: name });
        return found;
      },
    };
    const app = Fastify({ logger: false });
    installErrorHandling(app);
    await app.register(pluginLogRoutes, { logs, plugins, keys: store.apiKeys, heartbeatMs: 50, maxBufferedBytes: LIMITS.maxBufferedBytes });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as net.AddressInfo;
    const admin = (await store.apiKeys.create({ role: 'admin', label: 'admin' })).key;
    const appKey = (await store.apiKeys.create({ role: 'app', label: 'app' })).key;
    await use({ app, bus, logs, base: `http://127.0.0.1:${port}`, port, admin, appKey });
    await app.close();
  },
});

interface Stream extends SseResponse {
  /** The `event:`/`data:` pairs received so far. */
  events: () => { event: string; data: any }[];
}

async function open(host: Host, plugin: string, key: string | null): Promise<Stream> {
  const stream = await openSse(`${host.base}/v1/plugins/${plugin}/logs`, key === null ? {} : { authorization: `Bearer ${key}` });
  const events = () =>
    stream
      .text()
      .split('\n\n')
      .slice(0, -1)
      .flatMap((block) => {
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        return event && data ? [{ event, data: JSON.parse(data) }] : [];
      });
  return { ...stream, events };
}

async function errorCode(stream: Stream): Promise<string> {
  await stream.ended;
  return (JSON.parse(stream.text()) as { code: string }).code;
}

test("streams the plugin's log lines and finished calls, live, as SSE", async ({ host }) => {
  host.logs.log({ plugin: 'hello', level: 'info', message: 'before the stream: not kept', executionId: 'e0' });
  const s = await open(host, 'hello', host.admin);
  expect(s.status).toBe(200);
  expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  expect(s.headers['cache-control']).toBe('no-cache');
  await vi.waitFor(() => expect(host.logs.open).toBe(1), { timeout: 10_000 });

  host.logs.log({ plugin: 'hello', level: 'warn', message: 'line\nbreak', fields: { n: 1 }, executionId: 'e1' });
  host.logs.log({ plugin: 'other', level: 'info', message: 'not ours', executionId: 'e9' });
  host.bus.publish({ type: 'agent.finished', executionId: 'e1', plugin: 'hello', version: '1.0.0', agent: 'greeter', capability: 'greet', status: 'failed', durationMs: 4, errorCode: 'PLUGIN_ERROR', errorMessage: 'boom' });
  await vi.waitFor(() => expect(s.events()).toHaveLength(2), { timeout: 10_000 });
  expect(s.text().startsWith('retry: 2000\n\n')).toBe(true);
  expect(s.events()).toEqual([
    { event: 'log', data: { level: 'warn', message: 'line\nbreak', fields: { n: 1 }, executionId: 'e1', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } },
    { event: 'call', data: { kind: 'agent', target: 'greeter/greet', version: '1.0.0', executionId: 'e1', outcome: 'failed', code: 'PLUGIN_ERROR', message: 'boom', durationMs: 4 } },
  ]);
  // Idle: heartbeats keep it open.
  await vi.waitFor(() => expect(s.text()).toContain(': ping\n\n'), { timeout: 10_000 });
  s.close();
  await vi.waitFor(() => expect(host.logs.open).toBe(0), { timeout: 10_000 });
});

test('admin only: no key 401, an app key 403; an unknown plugin 404', async ({ host }) => {
  expect(await errorCode(await open(host, 'hello', null))).toBe('AUTH_REQUIRED');
  const app = await open(host, 'hello', host.appKey);
  expect(app.status).toBe(403);
  expect(await errorCode(app)).toBe('FORBIDDEN');
  const unknown = await open(host, 'nobody', host.admin);
  expect(unknown.status).toBe(404);
  expect(await errorCode(unknown)).toBe('PLUGIN_NOT_FOUND');
  expect(host.logs.open).toBe(0);
});

test('more than the configured streams get 429 LOG_STREAMS_BUSY until one closes', async ({ host }) => {
  const first = await Promise.all(Array.from({ length: LIMITS.maxStreams }, () => open(host, 'hello', host.admin)));
  expect(first.map((s) => s.status)).toEqual([200, 200]);
  const busy = await open(host, 'hello', host.admin);
  expect(busy.status).toBe(429);
  expect(await errorCode(busy)).toBe('LOG_STREAMS_BUSY');
  first[0]?.close();
  await vi.waitFor(() => expect(host.logs.open).toBe(LIMITS.maxStreams - 1), { timeout: 10_000 });
  const again = await open(host, 'hello', host.admin);
  expect(again.status).toBe(200);
  for (const s of [again, ...first]) s.close();
});

test('a client that stops reading is cut off once its buffer cap is passed, and leaves', async ({ host }) => {
  const socket = net.connect(host.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`GET /v1/plugins/hello/logs HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${host.admin}\r\n\r\n`);
  socket.pause();
  await vi.waitFor(() => expect(host.logs.open).toBe(1), { timeout: 10_000 });
  const message = 'x'.repeat(8 * 1024);
  let published = 0;
  // The kernel's socket buffers fill first; then the host's own buffer passes the cap.
  while (host.logs.open > 0 && published < 20_000) {
    host.logs.log({ plugin: 'hello', level: 'info', message, executionId: 'e1' });
    published++;
    if (published % 8 === 0) await tick();
  }
  expect(host.logs.open).toBe(0);
  socket.destroy();
});

test('closing the server ends open streams', async ({ host }) => {
  const s = await open(host, 'hello', host.admin);
  await vi.waitFor(() => expect(host.logs.open).toBe(1), { timeout: 10_000 });
  await host.app.close();
  await s.ended;
  expect(host.logs.open).toBe(0);
});
