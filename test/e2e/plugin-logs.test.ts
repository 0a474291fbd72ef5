/**
 * `GET /v1/plugins/:name/logs` on a real host: a plugin's `ctx.log` lines and the end of its
 * calls (agents and workflows, failures with their code) arrive as Server-Sent Events while
 * they happen; it is for admin keys only.
 */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { HostClient, HostError } from '../../sdk/src/cli/dev/host-client.ts';
import { packWithCli } from '../helpers/pack.ts';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';

let host: RunningHost;
let appKey: string;

beforeAll(async () => {
  const { tarball } = await packWithCli('test/fixtures/plugins/sandbox-greeter');
  host = await startHost({ logs: { maxStreams: 2 } } as never);
  expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  // No kv: `count` fails with PERMISSION_DENIED.
  expect((await host.call('POST', '/v1/plugins/sandbox-greeter/enable', { body: { grant: {} } })).status).toBe(200);
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
});
afterAll(async () => host?.close());

interface Follower {
  status: number;
  /** The error answer, when the stream was refused. */
  body?: any;
  events: { event: string; data: any }[];
  close(): void;
}

/** Opens the stream with the client `easel dev` follows it with, and collects its events. */
async function follow(plugin: string, key: string | null = ADMIN_TOKEN): Promise<Follower> {
  const client = new HostClient(host.url);
  const events: Follower['events'] = [];
  const stream = client.events(`/v1/plugins/${plugin}/logs`, key ?? '', (event, data) => void events.push({ event, data }));
  const close = () => {
    stream.close();
    client.close();
  };
  try {
    await stream.opened;
  } catch (err) {
    close();
    if (!(err instanceof HostError)) throw err;
    return { status: err.status, body: { code: err.code }, events, close };
  }
  return { status: 200, events, close };
}

const call = (path: string, body: unknown) => host.call('POST', path, { key: appKey, body });

test('a ctx.log line and the call that wrote it arrive as events, with the execution id', async () => {
  const logs = await follow('sandbox-greeter');
  expect(logs.status).toBe(200);
  const res = await call('/v1/agents/sandbox-greeter/greeter/greet', { name: 'Ada' });
  expect(res.status).toBe(200);
  const { executionId } = res.body;
  await vi.waitFor(() => expect(logs.events).toHaveLength(2), { timeout: 10_000 });
  expect(logs.events).toEqual([
    { event: 'log', data: { level: 'info', message: 'greeting someone', fields: { name: 'Ada' }, executionId, time: expect.any(String) } },
    { event: 'call', data: { kind: 'agent', target: 'greeter/greet', version: '1.0.0', executionId, outcome: 'succeeded', durationMs: expect.any(Number) } },
  ]);
  logs.close();
});

test('a failing call arrives with its code and message; a workflow run too', async () => {
  const logs = await follow('sandbox-greeter');
  const failed = await call('/v1/agents/sandbox-greeter/greeter/count', { name: 'Ada' });
  expect(failed.body.code).toBe('PERMISSION_DENIED');
  const flow = await call('/v1/workflows/echo/executions', { hi: 1 });
  expect(flow.status).toBe(200);
  await vi.waitFor(() => expect(logs.events).toHaveLength(2), { timeout: 10_000 });
  expect(logs.events[0]).toEqual({
    event: 'call',
    data: { kind: 'agent', target: 'greeter/count', version: '1.0.0', executionId: failed.body.details.executionId, outcome: 'failed', code: 'PERMISSION_DENIED', message: expect.stringContaining('kv'), durationMs: expect.any(Number) },
  });
  expect(logs.events[1]).toMatchObject({ event: 'call', data: { kind: 'workflow', target: 'echo', executionId: flow.body.executionId, outcome: 'succeeded' } });
  logs.close();
});

test('admin only; an unknown plugin is 404; past EASEL_LOG_MAX_STREAMS a stream is 429', async () => {
  expect((await follow('sandbox-greeter', null)).body.code).toBe('AUTH_REQUIRED');
  const app = await follow('sandbox-greeter', appKey);
  expect([app.status, app.body.code]).toEqual([403, 'FORBIDDEN']);
  const unknown = await follow('nobody');
  expect([unknown.status, unknown.body.code]).toEqual([404, 'PLUGIN_NOT_FOUND']);

  // The earlier tests' streams leave the host as their sockets close.
  const opened = async () => {
    const f = await follow('sandbox-greeter');
    if (f.status !== 200) throw new Error(`stream refused: ${f.status}`);
    return f;
  };
  const open = [await vi.waitFor(opened), await vi.waitFor(opened)];
  const busy = await follow('sandbox-greeter');
  expect([busy.status, busy.body.code]).toEqual([429, 'LOG_STREAMS_BUSY']);
  for (const f of open) f.close();
});
