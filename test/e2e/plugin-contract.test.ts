/**
 * What the first-party plugins build on, end to end on a real host: bytes cross
 * `ctx.agents.invoke` as bytes both ways (the input's byte field, the output's byte field and
 * array of them), `ctx.caller` names the app key and user, plugin routes fill `:params` and
 * run workflows, a plugin fails on purpose with RESOURCE_NOT_FOUND / REQUEST_REJECTED, and a
 * force-disabled dependency makes the dependent's calls into it DEPENDENCY_DISABLED while the
 * rest of the dependent keeps working.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { packWithCli } from '../helpers/pack.ts';

let host: RunningHost;
const apps: Record<'a' | 'b', { key: string; id: string }> = {} as never;

beforeAll(async () => {
  host = await startHost();
  for (const name of ['bytes-source', 'bytes-caller']) {
    const { tarball } = await packWithCli(`test/fixtures/plugins/${name}`);
    expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
    expect((await host.call('POST', `/v1/plugins/${name}/enable`, { body: { grant: 'requested' } })).status).toBe(200);
  }
  for (const app of ['a', 'b'] as const) {
    const res = await host.call('POST', '/v1/keys', { body: { role: 'app', label: `app ${app}` } });
    apps[app] = { key: res.body.key, id: res.body.id };
  }
});
afterAll(async () => {
  await host?.close();
});

const payload = Buffer.from([1, 2, 3, 4, 5, 6, 7]);

describe('bytes across ctx.agents.invoke', () => {
  test('the input field reaches the dependency as bytes, and its byte output fields come back as bytes', async () => {
    const res = await host.call('POST', '/v1/workflows/relay/executions?wait=true', { key: apps.a.key, body: { payload: payload.toString('base64') }, headers: { 'x-easel-user': 'ada' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output).toMatchObject({
      size: 7,
      sawBytes: true,
      reversedIsBytes: true,
      reversed: [7, 6, 5, 4, 3, 2, 1],
      chunks: [[7, 6, 5], [4, 3, 2], [1]],
      // The step runs for the execution's caller too.
      calleeSaw: { app: apps.a.id, user: 'ada' },
      caller: { app: apps.a.id, user: 'ada' },
    });
    // The step's output is recorded as its schema says: base64 text, never a serialized Buffer.
    const execution = await host.call('GET', `/v1/executions/${res.body.executionId}`, { key: apps.a.key });
    const [step] = execution.body.steps;
    expect(step).toMatchObject({ pluginName: 'bytes-source', agent: 'mirror', capability: 'reverse', status: 'succeeded' });
    expect(step.output.reversed).toBe(Buffer.from([7, 6, 5, 4, 3, 2, 1]).toString('base64'));
    expect(step.output.chunks).toEqual([Buffer.from([7, 6, 5]), Buffer.from([4, 3, 2]), Buffer.from([1])].map((b) => b.toString('base64')));
  });

  test('an app calling the agent directly gets its byte outputs as base64', async () => {
    const res = await host.call('POST', '/v1/agents/bytes-source/mirror/reverse', { key: apps.b.key, body: { data: payload.toString('base64'), chunk: 4 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output).toEqual({
      reversed: Buffer.from([7, 6, 5, 4, 3, 2, 1]).toString('base64'),
      chunks: [Buffer.from([7, 6, 5, 4]).toString('base64'), Buffer.from([3, 2, 1]).toString('base64')],
      size: 7,
      sawBytes: true,
      caller: { app: apps.b.id, user: `key:${apps.b.id}` },
    });
  });
});

describe('byte fields one level down (an object property\'s field)', () => {
  test('JSON: base64 in extra.blob reaches the handler as bytes; the execution records a summary, not the bytes', async () => {
    const blob = Buffer.from([9, 8, 7]);
    const res = await host.call('POST', '/v1/workflows/relay/executions?wait=true', { key: apps.a.key, body: { payload: payload.toString('base64'), extra: { blob: blob.toString('base64'), note: 'hi' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output.extra).toEqual({ blobIsBytes: true, blob: [9, 8, 7], note: 'hi', count: null });
    const execution = await host.call('GET', `/v1/executions/${res.body.executionId}`, { key: apps.a.key });
    expect(execution.body.input.extra).toEqual({ blob: { bytes: 3, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }, note: 'hi' });
  });

  test('a nested byte field that is not base64, or over its size, is INPUT_INVALID at its path, before anything runs', async () => {
    for (const blob of ['not base64!', Buffer.alloc(301).toString('base64')]) {
      const res = await host.call('POST', '/v1/workflows/relay/executions?wait=true', { key: apps.a.key, body: { payload: payload.toString('base64'), extra: { blob } } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INPUT_INVALID');
      expect(res.body.details.problems).toContainEqual(expect.objectContaining({ path: '/extra/blob' }));
    }
  });

  test('a multipart form fills extra.blob from a file part and extra.count from a text part, typed by the schema', async () => {
    const form = new FormData();
    form.append('payload', new Blob([payload]), 'payload.bin');
    form.append('extra.blob', new Blob([Buffer.from([1, 2])]), 'blob.bin');
    form.append('extra.count', '3');
    form.append('extra.note', 'from a form');
    const res = await fetch(`${host.url}/v1/p/bytes-caller/relay/form`, { method: 'POST', headers: { authorization: `Bearer ${apps.a.key}` }, body: form });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.output).toMatchObject({ tag: 'form', size: 7, extra: { blobIsBytes: true, blob: [1, 2], note: 'from a form', count: 3 } });
  });
});

describe('plugin routes', () => {
  test('a route runs a workflow to its end; a :param fills its input field and wins over the body', async () => {
    const res = await host.call('POST', '/v1/p/bytes-caller/relay/from-path', { key: apps.a.key, body: { payload: payload.toString('base64'), tag: 'from-body' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ executionId: expect.any(String), output: { tag: 'from-path', size: 7 } });
    const execution = await host.call('GET', `/v1/executions/${res.body.executionId}`, { key: apps.a.key });
    expect(execution.body).toMatchObject({ kind: 'workflow', target: 'relay', status: 'succeeded' });
  });

  test('a :param is percent-decoded, and the route is found only for the method it names', async () => {
    const put = await host.call('PUT', '/v1/p/bytes-caller/notes/n%201', { key: apps.a.key, body: { text: 'first' } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.output).toEqual({ noteId: 'n 1', saved: true });
    // Decoded once: an encoded slash or percent sign stays inside the parameter.
    for (const [raw, id] of [['a%2Fb', 'a/b'], ['100%2541', '100%41']]) {
      const res = await host.call('PUT', `/v1/p/bytes-caller/notes/${raw}`, { key: apps.a.key, body: { text: 'x' } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.output.noteId).toBe(id);
    }
    const wrongMethod = await host.call('DELETE', '/v1/p/bytes-caller/notes/n%201', { key: apps.a.key });
    expect(wrongMethod.status).toBe(404);
    expect(wrongMethod.body.code).toBe('ROUTE_NOT_FOUND');
  });

  test('data a plugin keeps by ctx.caller is the caller\'s: another user or app gets RESOURCE_NOT_FOUND (404)', async () => {
    await host.call('PUT', '/v1/p/bytes-caller/notes/secret', { key: apps.a.key, body: { text: 'for ada' }, headers: { 'x-easel-user': 'ada' } });
    const own = await host.call('GET', '/v1/p/bytes-caller/notes/secret?verbose=true', { key: apps.a.key, headers: { 'x-easel-user': 'ada' } });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.output).toEqual({ noteId: 'secret', text: 'for ada', caller: { app: apps.a.id, user: 'ada' } });
    for (const [key, user] of [[apps.a.key, 'bob'], [apps.b.key, 'ada'], [apps.a.key, undefined]] as const) {
      const other = await host.call('GET', '/v1/p/bytes-caller/notes/secret', { key, headers: user ? { 'x-easel-user': user } : undefined });
      expect(other.status).toBe(404);
      expect(other.body).toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: 'no note secret' });
    }
  });

  test('REQUEST_REJECTED from a plugin is 422 with its message', async () => {
    const res = await host.call('PUT', '/v1/p/bytes-caller/notes/empty', { key: apps.a.key, body: { text: '  ' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'REQUEST_REJECTED', message: 'a note needs some text' });
  });
});

describe('a disabled dependency', () => {
  test('disabling it is refused while dependents are enabled, unless forced; then calls into it are DEPENDENCY_DISABLED and the rest works', async () => {
    const refused = await host.call('POST', '/v1/plugins/bytes-source/disable');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('PLUGIN_IN_USE');

    const forced = await host.call('POST', '/v1/plugins/bytes-source/disable?force=true');
    expect(forced.status, JSON.stringify(forced.body)).toBe(200);
    expect(forced.body).toMatchObject({ enabled: false, dependentsAffected: [expect.objectContaining({ name: 'bytes-caller' })] });

    const relay = await host.call('POST', '/v1/workflows/relay/executions?wait=true', { key: apps.a.key, body: { payload: payload.toString('base64') } });
    expect(relay.status).toBe(409);
    expect(relay.body).toMatchObject({ code: 'DEPENDENCY_DISABLED', message: expect.stringContaining('bytes-source is disabled') });
    // The dependent's own agents keep working.
    const note = await host.call('PUT', '/v1/p/bytes-caller/notes/still', { key: apps.a.key, body: { text: 'works' } });
    expect(note.status).toBe(200);

    expect((await host.call('POST', '/v1/plugins/bytes-source/enable', { body: { grant: 'requested' } })).status).toBe(200);
    const again = await host.call('POST', '/v1/workflows/relay/executions?wait=true', { key: apps.a.key, body: { payload: payload.toString('base64') } });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });
});
