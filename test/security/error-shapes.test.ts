/**
 * Every answer that is not a success, from the host and from the registry, has the server's
 * error shape `{statusCode, code, error, message, details?}` with a code of its table whose
 * status is the answer's status — Node's HTTP parser's answers (sent from a raw socket, before
 * Fastify sees a request) and Fastify's router's included — and a thrown non-Easel error
 * leaves as INTERNAL_ERROR with no stack and no path. Then every route each server registers
 * is sent malformed requests (a body that is not JSON, parameters that are malformed, too
 * long or unknown, no key, the wrong key) and every error answer is checked the same way, so
 * that a route added later cannot answer in another shape.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildHost, loadConfig as loadHostConfig, type Host } from '../../host/src/index.ts';
import { registeredRoutes as hostRoutes } from '../../host/src/api/index.ts';
import { ERROR_TABLE as HOST_TABLE } from '../../host/src/errors/index.ts';
import { buildRegistry, loadConfig as loadRegistryConfig, type Registry } from '../../registry/src/index.ts';
import { registeredRoutes as registryRoutes } from '../../registry/src/http/index.ts';
import { ERROR_TABLE as REGISTRY_TABLE } from '../../registry/src/errors/index.ts';
import { packWithCli } from '../helpers/pack.ts';
import { bundle, publishBody } from '../registry/helpers.ts';

type Table = Record<string, { status: number }>;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

const SECRET_PATH = '/var/lib/easel-secret/internal.db';

/** The answer is an error in the server's shape, with a code of its table whose status is the answer's. */
function expectErrorShape(table: Table, answer: Answer, where: string): { code: string; message: string } {
  const context = `${where}: ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, context).toBeGreaterThanOrEqual(400);
  expect(answer.headers['content-type'] ?? '', context).toMatch(/^application\/json/);
  const body = answer.body as Record<string, unknown>;
  expect(body, context).toBeTypeOf('object');
  expect(Object.keys(body).filter((k) => k !== 'details').sort(), context).toEqual(['code', 'error', 'message', 'statusCode']);
  if ('details' in body) expect(body.details, context).toBeTypeOf('object');
  expect(body.statusCode, context).toBe(answer.status);
  expect(typeof body.code === 'string' && Object.hasOwn(table, body.code), `${context}: code not in the table`).toBe(true);
  expect(table[body.code as string]!.status, context).toBe(answer.status);
  expect(body.error, context).toBeTypeOf('string');
  expect(body.message, context).toBeTypeOf('string');
  expect((body.message as string).length, context).toBeGreaterThan(0);
  // No stack frames, no file paths of the server.
  expect(answer.text, context).not.toMatch(/\n\s+at |node_modules|\/src\/[\w/-]+\.ts|easel-secret/);
  return { code: body.code as string, message: body.message as string };
}

function parseResponse(raw: Buffer): Answer | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length']);
  const rest = raw.subarray(end + 4);
  if (!Number.isInteger(length) || rest.length < length) return undefined;
  const text = rest.subarray(0, length).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status, headers, body, text };
}

/**
 * Sends bytes on a fresh TCP connection and reads one response. `closed` says whether the
 * server then ended the connection; the answer is undefined when the server closed without a
 * whole response (a length-delimited one is all these servers send).
 */
function rawRequest(url: string, bytes: string | Buffer, options: { waitForClose?: boolean; pauseMs?: number } = {}): Promise<{ answer: Answer | undefined; closed: boolean; received: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let answer: Answer | undefined;
    const done = (closed: boolean) => {
      socket.destroy();
      resolve({ answer: answer ?? parseResponse(received), closed, received: received.toString('latin1') });
    };
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? done(true) : reject(error)));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      answer ??= parseResponse(received);
      if (answer && !options.waitForClose) done(false);
    });
    socket.on('close', () => done(true));
    socket.write(bytes);
  });
}

async function fetchAnswer(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const headers = Object.fromEntries(res.headers.entries());
  if ((headers['content-type'] ?? '').startsWith('text/event-stream')) {
    // A stream opened by a request that was not refused: nothing to check in it.
    await res.body?.cancel();
    return { status: res.status, headers, body: undefined, text: '' };
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers, body, text };
}

/** Requests Node's parser refuses, the same for both servers: each is answered, then the connection is closed. */
const PARSER_CASES: { name: string; bytes: string; code: string }[] = [
  { name: 'not HTTP at all', bytes: 'HELLO THERE\r\n\r\n', code: 'REQUEST_MALFORMED' },
  { name: 'a method that is not a token', bytes: 'G(T / HTTP/1.1\r\nHost: x\r\n\r\n', code: 'REQUEST_MALFORMED' },
  { name: 'an unknown HTTP version', bytes: 'GET / HTTP/7.3\r\nHost: x\r\n\r\n', code: 'REQUEST_MALFORMED' },
  { name: 'both Content-Length and Transfer-Encoding (request smuggling)', bytes: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', code: 'REQUEST_MALFORMED' },
  { name: 'a chunk size that is not hex', bytes: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', code: 'REQUEST_MALFORMED' },
  { name: 'a header line without a colon', bytes: 'GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', code: 'REQUEST_MALFORMED' },
  { name: 'headers over 16 KiB', bytes: `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, code: 'HEADERS_TOO_LARGE' },
  // Node has no 414 of its own: a request line past its header limit is a 431.
  { name: 'a URL over 16 KiB', bytes: `GET /${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, code: 'HEADERS_TOO_LARGE' },
];

/** Requests Node or Fastify answered on their own before: each is answered and the connection closed. */
const SERVER_CASES: { name: string; bytes: string; code: string; status: number }[] = [
  { name: 'HTTP/1.1 without Host', bytes: 'GET / HTTP/1.1\r\n\r\n', code: 'REQUEST_MALFORMED', status: 400 },
  { name: 'an Expect other than 100-continue', bytes: 'POST / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\nContent-Length: 0\r\n\r\n', code: 'EXPECTATION_FAILED', status: 417 },
  { name: 'CONNECT', bytes: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', code: 'ROUTE_NOT_FOUND', status: 404 },
];

async function expectParserAnswers(table: Table, url: string): Promise<void> {
  for (const { name, bytes, code } of [...PARSER_CASES, ...SERVER_CASES]) {
    const { answer, closed, received } = await rawRequest(url, bytes, { waitForClose: true });
    expect(answer, `${name}: no whole response, got ${JSON.stringify(received.slice(0, 300))}`).toBeDefined();
    expect(expectErrorShape(table, answer!, name).code, name).toBe(code);
    expect(answer!.headers.connection, name).toBe('close');
    expect(closed, `${name}: the server keeps the connection open`).toBe(true);
  }
  for (const { name, bytes, status } of SERVER_CASES) {
    const { answer } = await rawRequest(url, bytes, { waitForClose: true });
    expect(answer!.status, name).toBe(status);
  }
}

/** A request whose headers never end is answered 408 once the server's headers timeout passes. */
async function expectTimeoutAnswer(table: Table, url: string, server: { headersTimeout: number }): Promise<void> {
  const saved = server.headersTimeout;
  // Only for this request: a short timeout would otherwise race with a busy test machine.
  server.headersTimeout = 300;
  try {
    const { answer, closed } = await rawRequest(url, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', { waitForClose: true });
    expect(answer, 'no answer to a request that timed out').toBeDefined();
    expect(expectErrorShape(table, answer!, 'headers timeout').code).toBe('REQUEST_TIMEOUT');
    expect(answer!.status).toBe(408);
    expect(answer!.headers.connection).toBe('close');
    expect(closed).toBe(true);
  } finally {
    server.headersTimeout = saved;
  }
}

/** A route that throws what a bug would: not the server's error class, with a path in its text. */
function addThrowingRoutes(app: Host['app']): void {
  app.get('/test-only/throws', async () => {
    throw new TypeError(`cannot read ${SECRET_PATH}`);
  });
  app.get('/test-only/throws-client-error', async () => {
    // A 4xx error of a kind nobody mapped (as a Fastify plugin might throw).
    throw Object.assign(new Error('Not Acceptable'), { statusCode: 406, code: 'FST_SOME_PLUGIN_ERROR' });
  });
}

/**
 * Node checks its request timers every 30 s (`connectionsCheckingInterval`, read when the
 * server starts listening): too seldom for the 408 case to answer within a test.
 */
function checkTimersOften(server: object): void {
  (server as { connectionsCheckingInterval: number }).connectionsCheckingInterval = 100;
}

/** Holds a stop inside its preClose phase until released, as a slow drain would. */
function holdStop(app: Host['app']): { reached: Promise<void>; release(): void } {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  app.addHook('preClose', async () => {
    reach();
    await released;
  });
  return { reached, release };
}

/** The URL of a route with every `:param` (and the `*` wildcard) set to `value`. */
function fill(url: string, value: string): string {
  return url.replace(/:[\w-]+/g, value).replace(/\*$/, value);
}

function methodsOf(route: { method: string | string[] }): string[] {
  return (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Every route, with every key (and none): a body that is not JSON where a body is taken, and
 * each parameter set to a malformed, an over-long and an unknown value. Every error answer has
 * the shape; the malformed and over-long parameters are always refused by the router.
 */
async function walkRoutes(table: Table, base: string, routes: readonly { method: string | string[]; url: string }[], keys: (string | undefined)[], longParam: number): Promise<number> {
  let errors = 0;
  for (const route of routes.filter((r) => !r.url.startsWith('/test-only/'))) {
    for (const method of methodsOf(route)) {
      const params = /:[\w-]+|\*$/.test(route.url);
      for (const key of keys) {
        const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` };
        const send = async (path: string, init: RequestInit, where: string) => {
          const answer = await fetchAnswer(`${base}${path}`, { method, ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
          if (answer.status >= 400) {
            errors++;
            return expectErrorShape(table, answer, `${method} ${path} (${where}, ${key === undefined ? 'no key' : 'key'})`).code;
          }
          return undefined;
        };
        const plain = fill(route.url, 'no-such-thing');
        if (BODY_METHODS.has(method)) {
          const code = await send(plain, { body: '{"not json', headers: { 'content-type': 'application/json' } }, 'bad JSON');
          expect(code, `${method} ${plain} took a body that is not JSON`).toBeDefined();
        } else {
          await send(`${plain}?%zz=%zz&limit=-1&cursor=%00`, {}, 'a bad query');
        }
        if (params) {
          expect(await send(fill(route.url, '%zz'), {}, 'malformed percent-encoding'), `${method} ${route.url}`).toBe('URL_INVALID');
          // The wildcard has no length limit in the router; the route's schema refuses it.
          const long = await send(fill(route.url, 'a'.repeat(longParam + 1)), {}, 'an over-long parameter');
          if (!route.url.endsWith('*')) expect(long, `${method} ${route.url}`).toBe('URL_TOO_LONG');
          await send(plain, {}, 'an unknown parameter');
          await send(fill(route.url, 'Bad%20Name%21'), {}, 'a parameter of the wrong form');
        }
      }
    }
  }
  return errors;
}

describe('host', () => {
  let host: Host;
  let url: string;
  let dataDir: string;
  let adminKey: string;
  let appKey: string;
  let stop: { reached: Promise<void>; release(): void };
  let closed = false;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'easel-error-shapes-'));
    const config = loadHostConfig({}, {
      dataDir,
      port: 0,
      adminToken: 'error-shapes-admin-token-0123456789',
      logLevel: 'silent',
      firstPartyPlugins: false,
      bodyMaxBytes: 64 * 1024,
      inputBodyMaxBytes: 256 * 1024,
      bundles: { maxBytes: 512 * 1024 },
      models: { cache: { semantic: false }, bedrock: { mode: 'emulator' } },
      sandbox: { workers: 1 },
    } as Parameters<typeof loadHostConfig>[1]);
    host = await buildHost(config);
    addThrowingRoutes(host.app);
    stop = holdStop(host.app);
    checkTimersOften(host.app.server);
    url = await host.app.listen({ host: '127.0.0.1', port: 0 });
    adminKey = config.adminToken!;
    const call = (method: string, path: string, body?: string | Buffer, contentType = 'application/json') =>
      fetch(`${url}${path}`, { method, body, headers: { authorization: `Bearer ${adminKey}`, 'content-type': contentType } });
    for (const name of ['bytes-source', 'bytes-caller']) {
      const { tarball } = await packWithCli(`test/fixtures/plugins/${name}`);
      expect((await call('POST', '/v1/plugins/upload', tarball, 'application/gzip')).status).toBe(201);
      expect((await call('POST', `/v1/plugins/${name}/enable`, JSON.stringify({ grant: 'requested' }))).status).toBe(200);
    }
    const key = (await (await call('POST', '/v1/keys', JSON.stringify({ role: 'app', label: 'error shapes' }))).json()) as { key: string };
    appKey = key.key;
  });
  /** What an admin sees: plugins (version, enabled, config) and keys, without use times. */
  async function hostState(): Promise<unknown> {
    const get = async (path: string) => (await fetchAnswer(`${url}${path}`, { headers: { authorization: `Bearer ${adminKey}` } })).body as Record<string, unknown[]>;
    const plugins = (await get('/v1/plugins')).plugins as { name: string; version: string; enabled: boolean }[];
    const keys = (await get('/v1/keys')).keys as { id: string; role: string; revokedAt?: unknown }[];
    const configs = await Promise.all(plugins.map((p) => get(`/v1/plugins/${p.name}/config`)));
    return { plugins: plugins.map((p) => [p.name, p.version, p.enabled]), keys: keys.map((k) => [k.id, k.role, k.revokedAt ?? null]), configs };
  }
  afterAll(async () => {
    stop?.release();
    if (host && !closed) await host.app.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test("Node's parser: malformed requests, headers and URLs too large, no Host, an Expect, CONNECT", async () => {
    await expectParserAnswers(HOST_TABLE, url);
  });

  test('a request whose headers never end: 408 REQUEST_TIMEOUT, and the connection is closed', async () => {
    await expectTimeoutAnswer(HOST_TABLE, url, host.app.server);
  });

  test("Fastify's own errors, the not-found handler and @fastify/multipart's errors", async () => {
    const admin = { authorization: `Bearer ${adminKey}` };
    const app = { authorization: `Bearer ${appKey}` };
    const json = { 'content-type': 'application/json' };
    const form = (boundary: string, parts: string) => ({ headers: { ...app, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: parts });
    const cases: { name: string; path: string; init?: RequestInit; code: string }[] = [
      { name: 'a body that is not JSON', path: '/v1/keys', init: { method: 'POST', headers: { ...admin, ...json }, body: '{"role": "app",' }, code: 'REQUEST_INVALID' },
      { name: 'an empty body sent as JSON', path: '/v1/keys', init: { method: 'POST', headers: { ...admin, ...json }, body: '' }, code: 'REQUEST_INVALID' },
      { name: 'JSON with __proto__', path: '/v1/keys', init: { method: 'POST', headers: { ...admin, ...json }, body: '{"role":"app","__proto__":{"admin":true}}' }, code: 'REQUEST_INVALID' },
      { name: 'a body that fails the route schema', path: '/v1/keys', init: { method: 'POST', headers: { ...admin, ...json }, body: '{"role":"root"}' }, code: 'REQUEST_INVALID' },
      { name: 'a content type the route does not take', path: '/v1/keys', init: { method: 'POST', headers: { ...admin, 'content-type': 'application/xml' }, body: '<role>app</role>' }, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { name: 'a multipart form where JSON is taken', path: '/v1/keys', init: { method: 'POST', ...form('b', '--b\r\nContent-Disposition: form-data; name="role"\r\n\r\napp\r\n--b--\r\n'), headers: { ...admin, 'content-type': 'multipart/form-data; boundary=b' } }, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { name: 'a body over EASEL_BODY_MAX_BYTES', path: '/v1/keys', init: { method: 'POST', headers: { ...admin, ...json }, body: JSON.stringify({ role: 'app', label: 'x'.repeat(70 * 1024) }) }, code: 'REQUEST_TOO_LARGE' },
      { name: 'a bundle over EASEL_BUNDLE_MAX_BYTES', path: '/v1/plugins/upload', init: { method: 'POST', headers: { ...admin, 'content-type': 'application/gzip' }, body: Buffer.alloc(600 * 1024) }, code: 'BUNDLE_TOO_LARGE' },
      { name: 'a URL that is not valid percent-encoding', path: '/v1/plugins/%E0%A4%A', init: { headers: admin }, code: 'URL_INVALID' },
      { name: 'a path parameter over 256 characters', path: `/v1/plugins/${'a'.repeat(257)}`, init: { headers: admin }, code: 'URL_TOO_LONG' },
      { name: 'no such route', path: '/v1/nothing-here', init: { headers: admin }, code: 'ROUTE_NOT_FOUND' },
      { name: 'a method the path does not take', path: '/v1/plugins', init: { method: 'PATCH', headers: admin }, code: 'ROUTE_NOT_FOUND' },
      { name: 'no key', path: '/v1/plugins', code: 'AUTH_REQUIRED' },
      { name: 'a multipart form without a boundary', path: '/v1/p/bytes-caller/relay/x', init: { method: 'POST', headers: { ...app, 'content-type': 'multipart/form-data' }, body: '--b\r\n\r\n' }, code: 'REQUEST_INVALID' },
      { name: 'a multipart form that never ends', path: '/v1/p/bytes-caller/relay/x', init: { method: 'POST', ...form('b', '--b\r\nContent-Disposition: form-data; name="tag"\r\n\r\nunterminated') }, code: 'REQUEST_INVALID' },
      {
        name: 'a multipart file over EASEL_INPUT_BODY_MAX_BYTES',
        path: '/v1/p/bytes-caller/relay/x',
        init: { method: 'POST', ...form('b', `--b\r\nContent-Disposition: form-data; name="payload"; filename="p.bin"\r\nContent-Type: application/octet-stream\r\n\r\n${'x'.repeat(300 * 1024)}\r\n--b--\r\n`) },
        code: 'REQUEST_TOO_LARGE',
      },
      { name: 'a thrown error that is not an EaselError', path: '/test-only/throws', code: 'INTERNAL_ERROR' },
      { name: 'a client error of a kind nobody mapped', path: '/test-only/throws-client-error', code: 'REQUEST_INVALID' },
    ];
    for (const { name, path, init, code } of cases) {
      const answer = await fetchAnswer(`${url}${path}`, init);
      expect(expectErrorShape(HOST_TABLE, answer, name).code, name).toBe(code);
    }
    // An unknown PROPFIND never reaches fetch's method list: send it raw.
    const { answer } = await rawRequest(url, 'PROPFIND /v1/plugins HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { waitForClose: true });
    expect(expectErrorShape(HOST_TABLE, answer!, 'PROPFIND').code).toBe('ROUTE_NOT_FOUND');
  });

  test('a thrown non-Easel error is INTERNAL_ERROR with the request id, never its text', async () => {
    const answer = await fetchAnswer(`${url}/test-only/throws`);
    expect(answer.status).toBe(500);
    expect(answer.text).not.toContain(SECRET_PATH);
    expect(answer.text).not.toContain('TypeError');
    expect((answer.body as { message: string }).message).toMatch(/request id/);
  });

  test('a user id of 128 characters (the longest allowed), each two UTF-16 units, is a path parameter the router takes, on every route with one', async () => {
    const withUser = hostRoutes(host.app).filter((r) => r.url.includes(':userId') && methodsOf(r).includes('GET'));
    expect(withUser.length).toBeGreaterThan(0);
    for (const route of withUser) {
      const path = route.url.replace(':userId', '😀'.repeat(128)).replace(/:[\w-]+/g, 'no-such-thing');
      const answer = await fetchAnswer(`${url}${encodeURI(path)}`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(answer.status, `${route.url}: ${answer.text}`).not.toBe(414);
      if (answer.status >= 400) expect(expectErrorShape(HOST_TABLE, answer, route.url).code).not.toBe('URL_TOO_LONG');
    }
  });

  test('every route the host registers answers malformed requests in the shape', async () => {
    const routes = hostRoutes(host.app);
    // Admin, app and plugin routes, monitoring and models: far more than a handful.
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.map((r) => r.url)).toEqual(expect.arrayContaining(['/v1/plugins/:name', '/v1/agents/:plugin/:agent/:capability', '/v1/p/:plugin/*']));
    const before = await hostState();
    expect((before as { plugins: unknown[] }).plugins).toHaveLength(2);
    const errors = await walkRoutes(HOST_TABLE, url, routes, [adminKey, appKey, undefined, 'not-a-key'], 256);
    expect(errors).toBeGreaterThan(routes.length * 4);
    // Refused requests changed nothing, and the plugins keep answering.
    expect(await hostState()).toEqual(before);
    const call = await fetchAnswer(`${url}/v1/agents/bytes-source/mirror/reverse`, { method: 'POST', headers: { authorization: `Bearer ${appKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ data: 'AQID', chunk: 2 }) });
    expect(call.status, call.text).toBe(200);
  });

  // Last: it stops the host.
  test('a request that arrives while the host stops: 503 SHUTTING_DOWN, and the connection is closed', async () => {
    const closing = host.app.close();
    closed = true;
    await stop.reached;
    const answer = await fetchAnswer(`${url}/v1/plugins`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(expectErrorShape(HOST_TABLE, answer, 'while stopping').code).toBe('SHUTTING_DOWN');
    expect(answer.headers.connection).toBe('close');
    stop.release();
    await closing;
  });
});

describe('registry', () => {
  let registry: Registry;
  let url: string;
  let dataDir: string;
  let stop: { reached: Promise<void>; release(): void };
  let closed = false;
  const adminToken = 'error-shapes-registry-admin-0123456789';
  let userToken: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'easel-error-shapes-registry-'));
    registry = await buildRegistry(loadRegistryConfig({}, { dataDir, port: 0, adminToken, logLevel: 'silent' }));
    addThrowingRoutes(registry.app);
    stop = holdStop(registry.app);
    checkTimersOften(registry.app.server);
    url = await registry.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${url}/-/user/org.couchdb.user:alice`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ _id: 'org.couchdb.user:alice', name: 'alice', password: 'correct horse battery', type: 'user', roles: [] }),
    });
    userToken = ((await res.json()) as { token: string }).token;
    // A package to stay untouched by the malformed requests.
    const published = await fetch(`${url}/hello`, { method: 'PUT', headers: { authorization: `Bearer ${userToken}`, 'content-type': 'application/json' }, body: JSON.stringify(publishBody('hello', '1.0.0', await bundle())) });
    expect(published.status).toBe(201);
  });
  /** The packages, and alice's tokens and identity. */
  async function registryState(): Promise<unknown> {
    const get = async (path: string) => (await fetchAnswer(`${url}${path}`, { headers: { authorization: `Bearer ${userToken}` } })).body;
    return { packument: await get('/hello'), packages: await get('/api/v1/packages'), tokens: await get('/-/npm/v1/tokens'), whoami: await get('/-/whoami') };
  }
  afterAll(async () => {
    stop?.release();
    if (registry && !closed) await registry.app.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test("Node's parser: malformed requests, headers and URLs too large, no Host, an Expect, CONNECT", async () => {
    await expectParserAnswers(REGISTRY_TABLE, url);
  });

  test('a request whose headers never end: 408 REQUEST_TIMEOUT, and the connection is closed', async () => {
    await expectTimeoutAnswer(REGISTRY_TABLE, url, registry.app.server);
  });

  test("Fastify's own errors and the not-found handler", async () => {
    const user = { authorization: `Bearer ${userToken}` };
    const json = { 'content-type': 'application/json' };
    const cases: { name: string; path: string; init?: RequestInit; code: string }[] = [
      { name: 'a body that is not JSON', path: '/-/npm/v1/tokens', init: { method: 'POST', headers: { ...user, ...json }, body: '{"password":' }, code: 'REQUEST_INVALID' },
      { name: 'JSON with __proto__', path: '/-/npm/v1/tokens', init: { method: 'POST', headers: { ...user, ...json }, body: '{"password":"x","__proto__":{"a":1}}' }, code: 'REQUEST_INVALID' },
      { name: 'a content type the route does not take', path: '/-/npm/v1/tokens', init: { method: 'POST', headers: { ...user, 'content-type': 'application/xml' }, body: '<password/>' }, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { name: 'a body over the size limit', path: '/-/npm/v1/tokens', init: { method: 'POST', headers: { ...user, ...json }, body: JSON.stringify({ password: 'x'.repeat(1100 * 1024) }) }, code: 'REQUEST_TOO_LARGE' },
      { name: 'a package name that is not valid percent-encoding', path: '/%E0%A4%A', code: 'URL_INVALID' },
      { name: 'a path parameter over 512 characters', path: `/${'a'.repeat(513)}`, code: 'URL_TOO_LONG' },
      { name: 'no such route', path: '/-/nothing/here/at/all', code: 'ROUTE_NOT_FOUND' },
      { name: 'a method the path does not take', path: '/-/whoami', init: { method: 'PATCH', headers: user }, code: 'ROUTE_NOT_FOUND' },
      { name: 'a thrown error that is not a RegistryError', path: '/test-only/throws', code: 'INTERNAL_ERROR' },
      { name: 'a client error of a kind nobody mapped', path: '/test-only/throws-client-error', code: 'REQUEST_INVALID' },
    ];
    for (const { name, path, init, code } of cases) {
      const answer = await fetchAnswer(`${url}${path}`, init);
      expect(expectErrorShape(REGISTRY_TABLE, answer, name).code, name).toBe(code);
    }
    const thrown = await fetchAnswer(`${url}/test-only/throws`);
    expect(thrown.text).not.toContain(SECRET_PATH);
  });

  test('every route the registry registers answers malformed requests in the shape', async () => {
    const routes = registryRoutes(registry.app);
    expect(routes.length).toBeGreaterThan(15);
    const before = await registryState();
    expect((before as { packument: { versions: object } }).packument.versions).toHaveProperty('1.0.0');
    const errors = await walkRoutes(REGISTRY_TABLE, url, routes, [adminToken, userToken, undefined, 'not-a-token'], 512);
    expect(errors).toBeGreaterThan(routes.length * 4);
    expect(await registryState()).toEqual(before);
  });

  test('a request that arrives while the registry stops: 503 SHUTTING_DOWN, and the connection is closed', async () => {
    const closing = registry.app.close();
    closed = true;
    await stop.reached;
    const answer = await fetchAnswer(`${url}/-/whoami`, { headers: { authorization: `Bearer ${userToken}` } });
    expect(expectErrorShape(REGISTRY_TABLE, answer, 'while stopping').code).toBe('SHUTTING_DOWN');
    expect(answer.headers.connection).toBe('close');
    stop.release();
    await closing;
  });
});
