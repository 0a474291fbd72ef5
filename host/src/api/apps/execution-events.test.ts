import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { setImmediate as tick } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { expect, vi } from 'vitest';
import { ExecutionEvents } from '../../orchestration/execution-events.ts';
import type { Store } from '../../store/index.ts';
import { test as storeTest } from '../../store/test-store.ts';
import { installErrorHandling } from '../error-handler.ts';
import { openSse, type SseResponse } from '../test-sse.ts';
import { executionEventRoutes } from './execution-events.ts';

const MAX_STREAMS = 3;

interface Host {
  app: FastifyInstance;
  store: Store;
  events: ExecutionEvents;
  base: string;
  port: number;
  admin: string;
  app1: { id: string; key: string; appId?: string };
  app2: { id: string; key: string };
  /** A running execution of app1 with events open, and `n` progress events published. */
  running(n?: number): Promise<string>;
}

const test = storeTest.extend<{ host: Host }>({
  host: async ({ store }, use) => {
    const silent = { warn: () => {}, error: () => {} };
    const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100_000, logger: silent });
    const app = Fastify({ logger: false });
    installErrorHandling(app);
    await app.register(executionEventRoutes, { events, executions: store.executions, keys: store.apiKeys, heartbeatMs: 50, maxStreams: MAX_STREAMS });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as net.AddressInfo;
    const admin = (await store.apiKeys.create({ role: 'admin', label: 'admin' })).key;
    const app1 = await store.apiKeys.create({ role: 'app', label: 'one' });
    const app2 = await store.apiKeys.create({ role: 'app', label: 'two' });
    const running = async (n = 0) => {
      const id = randomUUID();
      await store.executions.create({ id, pluginName: 'p', pluginVersion: '1.0.0', kind: 'workflow', target: 'flow', apiKeyId: app1.id, appId: app1.appId, input: {} });
      await events.open(id);
      for (let i = 1; i <= n; i++) events.publish(id, 'progress', { stepId: null, message: `m${i}` });
      await events.flush(id);
      return id;
    };
    await use({ app, store, events, base: `http://127.0.0.1:${address.port}`, port: address.port, admin, app1, app2, running });
    await app.close();
  },
});

interface SseEvent {
  id: string;
  event: string;
  data: unknown;
}

/** What the stream has said so far: events, comments and the retry field. */
function parse(text: string): { events: SseEvent[]; pings: number; retry?: string } {
  const events: SseEvent[] = [];
  let pings = 0;
  let retry: string | undefined;
  // Only complete blocks (terminated by a blank line) count.
  for (const block of text.split('\n\n').slice(0, -1)) {
    const fields = new Map<string, string>();
    for (const line of block.split('\n')) {
      if (line === ': ping') pings++;
      else if (line.startsWith(':')) continue;
      else fields.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2));
    }
    if (fields.has('retry')) retry = fields.get('retry');
    if (fields.has('data')) events.push({ id: fields.get('id') ?? '', event: fields.get('event') ?? '', data: JSON.parse(fields.get('data') ?? '') });
  }
  return { events, pings, ...(retry === undefined ? {} : { retry }) };
}

interface Stream extends SseResponse {
  events: () => SseEvent[];
}

async function open(host: Host, id: string, key: string, options: { query?: string; headers?: Record<string, string> } = {}): Promise<Stream> {
  const stream = await openSse(`${host.base}/v1/executions/${id}/events${options.query ?? ''}`, { authorization: `Bearer ${key}`, ...options.headers });
  return { ...stream, events: () => parse(stream.text()).events };
}

async function json(stream: Stream): Promise<{ statusCode: number; code: string }> {
  await stream.ended;
  return JSON.parse(stream.text()) as { statusCode: number; code: string };
}

test('sends the stored history, then live events, and ends after execution.finished', async ({ host }) => {
  const id = await host.running(2);
  const s = await open(host, id, host.app1.key);
  expect(s.status).toBe(200);
  expect(s.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  expect(s.headers['cache-control']).toBe('no-cache');
  expect(s.headers['x-accel-buffering']).toBe('no');
  await vi.waitFor(() => expect(s.events()).toHaveLength(2), { timeout: 10_000 });
  expect(s.text().startsWith('retry: 2000\n\n')).toBe(true);

  host.events.publish(id, 'step.started', { stepId: 's1', depth: 1 });
  await vi.waitFor(() => expect(s.events()).toHaveLength(3), { timeout: 10_000 });
  host.events.publish(id, 'model.delta', { stepId: 's1', text: 'line\nbreak "quoted"' });
  host.events.publish(id, 'execution.finished', { status: 'succeeded', output: { ok: true }, costUsd: 0, durationMs: 5 });
  await s.ended;
  expect(s.events()).toEqual([
    { id: '1', event: 'progress', data: { stepId: null, message: 'm1' } },
    { id: '2', event: 'progress', data: { stepId: null, message: 'm2' } },
    { id: '3', event: 'step.started', data: { stepId: 's1', depth: 1 } },
    { id: '4', event: 'model.delta', data: { stepId: 's1', text: 'line\nbreak "quoted"' } },
    { id: '5', event: 'execution.finished', data: { status: 'succeeded', output: { ok: true }, costUsd: 0, durationMs: 5 } },
  ]);
  expect(parse(s.text()).retry).toBe('2000');
  expect(host.events.subscribers(id)).toBe(0);
});

test('resumes after Last-Event-ID or ?after; the header wins; bad values are 400', async ({ host }) => {
  const id = await host.running(4);
  host.events.publish(id, 'execution.finished', { status: 'succeeded' });
  await host.events.flush(id);

  const byHeader = await open(host, id, host.app1.key, { headers: { 'last-event-id': '3' } });
  await byHeader.ended;
  expect(byHeader.events().map((e) => e.id)).toEqual(['4', '5']);

  const byQuery = await open(host, id, host.app1.key, { query: '?after=1' });
  await byQuery.ended;
  expect(byQuery.events().map((e) => e.id)).toEqual(['2', '3', '4', '5']);

  const both = await open(host, id, host.app1.key, { query: '?after=1', headers: { 'last-event-id': '4' } });
  await both.ended;
  expect(both.events().map((e) => e.id)).toEqual(['5']);

  // Everything seen, the finish included: the stream ends at once.
  const done = await open(host, id, host.app1.key, { headers: { 'last-event-id': '5' } });
  await done.ended;
  expect(done.events()).toEqual([]);

  for (const bad of [{ headers: { 'last-event-id': 'abc' } }, { headers: { 'last-event-id': '-1' } }, { headers: { 'last-event-id': '99999999999999999' } }, { query: '?after=-1' }, { query: '?after=x' }, { query: '?after=1.5' }]) {
    const s = await open(host, id, host.app1.key, bad);
    expect(s.status).toBe(400);
    expect((await json(s)).code).toBe('REQUEST_INVALID');
  }
});

test('a finished execution replays and ends, also when its log has no finish', async ({ host }) => {
  const id = await host.running(3);
  host.events.publish(id, 'execution.finished', { status: 'failed', error: { code: 'PLUGIN_ERROR', message: 'boom' } });
  await host.store.executions.complete(id, { status: 'failed', errorCode: 'PLUGIN_ERROR', durationMs: 1 });
  await host.events.flush(id);
  await tick();
  expect(host.events.isOpen(id)).toBe(false);
  const s = await open(host, id, host.admin);
  await s.ended;
  expect(s.events().map((e) => e.event)).toEqual(['progress', 'progress', 'progress', 'execution.finished']);

  // An execution that ended without a stream (failed at a restart): what there is, then the end.
  const legacy = randomUUID();
  await host.store.executions.create({ id: legacy, pluginName: 'p', pluginVersion: '1.0.0', kind: 'agent', target: 'a', capability: 'c', apiKeyId: host.app1.id, appId: host.app1.appId, input: {} });
  await host.store.executions.failRunning('restart');
  const empty = await open(host, legacy, host.app1.key);
  await empty.ended;
  expect(empty.status).toBe(200);
  expect(empty.events()).toEqual([]);
});

test("another app's execution, an unknown id and a missing key are refused", async ({ host }) => {
  const id = await host.running(1);
  const foreign = await open(host, id, host.app2.key);
  expect(foreign.status).toBe(404);
  expect((await json(foreign)).code).toBe('EXECUTION_NOT_FOUND');
  const unknown = await open(host, randomUUID(), host.app1.key);
  expect((await json(unknown)).code).toBe('EXECUTION_NOT_FOUND');
  const malformed = await open(host, 'not-a-uuid', host.app1.key);
  expect((await json(malformed)).code).toBe('REQUEST_INVALID');
  const noKey = await open(host, id, '');
  expect((await json(noKey)).code).toBe('AUTH_INVALID');
  expect(host.events.subscribers(id)).toBe(0);
  // The admin sees every app's executions.
  const admin = await open(host, id, host.admin);
  await vi.waitFor(() => expect(admin.events()).toHaveLength(1), { timeout: 10_000 });
  admin.close();
});

test('a client that disconnects is unsubscribed', async ({ host }) => {
  const id = await host.running(1);
  const s = await open(host, id, host.app1.key);
  await vi.waitFor(() => expect(s.events()).toHaveLength(1), { timeout: 10_000 });
  expect(host.events.subscribers(id)).toBe(1);
  s.close();
  await vi.waitFor(() => expect(host.events.subscribers(id)).toBe(0), { timeout: 10_000 });
  // Publishing afterwards writes nowhere.
  host.events.publish(id, 'progress', { message: 'after' });
  await host.events.flush(id);
});

test('an idle stream sends heartbeats', async ({ host }) => {
  const id = await host.running();
  const s = await open(host, id, host.app1.key);
  await vi.waitFor(() => expect(parse(s.text()).pings).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
  expect(s.events()).toEqual([]);
  s.close();
});

test('more than maxStreams open streams get 429 EXECUTIONS_BUSY until one closes', async ({ host }) => {
  const id = await host.running();
  const open3 = await Promise.all(Array.from({ length: MAX_STREAMS }, () => open(host, id, host.app1.key)));
  expect(open3.map((s) => s.status)).toEqual([200, 200, 200]);
  const busy = await open(host, id, host.app1.key);
  expect(busy.status).toBe(429);
  expect((await json(busy)).code).toBe('EXECUTIONS_BUSY');

  open3[0]?.close();
  await vi.waitFor(() => expect(host.events.subscribers(id)).toBe(MAX_STREAMS - 1), { timeout: 10_000 });
  const again = await open(host, id, host.app1.key);
  expect(again.status).toBe(200);
  // Streams that end by themselves free their slot too.
  host.events.publish(id, 'execution.finished', { status: 'succeeded' });
  await Promise.all([again, ...open3.slice(1)].map((s) => s.ended));
  const next = await Promise.all(Array.from({ length: MAX_STREAMS }, () => open(host, id, host.app1.key)));
  expect(next.map((s) => s.status)).toEqual([200, 200, 200]);
  await Promise.all(next.map((s) => s.ended));
});

test('a client that stops reading is cut off once ~1 MiB is waiting for it', async ({ host }) => {
  const id = await host.running();
  const socket = net.connect(host.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`GET /v1/executions/${id}/events HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${host.app1.key}\r\n\r\n`);
  socket.pause();
  await vi.waitFor(() => expect(host.events.subscribers(id)).toBe(1), { timeout: 10_000 });
  const chunk = 'x'.repeat(64 * 1024);
  let published = 0;
  while (host.events.subscribers(id) > 0 && published < 2000) {
    host.events.publish(id, 'step.finished', { stepId: String(published), output: chunk });
    published++;
    if (published % 8 === 0) await tick();
  }
  expect(host.events.subscribers(id)).toBe(0);
  socket.destroy();
  // A reader that keeps up gets everything, in order, from the store.
  host.events.publish(id, 'execution.finished', { status: 'succeeded' });
  const s = await open(host, id, host.app1.key);
  await s.ended;
  expect(s.events().map((e) => Number(e.id))).toEqual(Array.from({ length: published + 1 }, (_, i) => i + 1));
});

test('closing the server ends open streams', async ({ host }) => {
  const id = await host.running(1);
  const s = await open(host, id, host.app1.key);
  await vi.waitFor(() => expect(s.events()).toHaveLength(1), { timeout: 10_000 });
  await host.app.close();
  await s.ended;
  expect(host.events.subscribers(id)).toBe(0);
});
