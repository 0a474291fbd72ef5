/**
 * The registry's OpenAPI document (`/-/openapi.json`) and reference page (`/-/docs`): the
 * document is valid OpenAPI 3.1, documents every route the registry registers (listed as
 * Fastify adds them) with request and response schemas, and the response schemas neither
 * drop nor change anything a handler answers: a scenario that calls every route compares
 * each answer as sent with the handler's own value, and checks it against the document.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_PREFIX, OPENAPI_PATH, registeredRoutes } from '../../registry/src/http/index.ts';
import { ADMIN_TOKEN, PASSWORD, bundle, libraryTarball, publish, publishBody, publishTarball, startRegistry, type RunningRegistry } from './helpers.ts';

interface Answer {
  /** `METHOD /openapi/{path}` of the route that answered. */
  operation: string;
  status: number;
  contentType: string;
  sent: string;
  /** The handler's (or error handler's) value, as JSON would carry it. */
  made: unknown;
}

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };

type Spec = Parameters<Validator['validate']>[0];

const METHODS = ['get', 'head', 'put', 'post', 'delete', 'patch', 'options'];
const openapiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

let r: RunningRegistry;
let doc: Doc;
const answers: Answer[] = [];

beforeAll(async () => {
  r = await startRegistry(
    {},
    {
      beforeListen: ({ app }) => {
        const made = new WeakMap<object, unknown>();
        app.addHook('preSerialization', async (request, _reply, payload) => {
          made.set(request, JSON.parse(JSON.stringify(payload)));
          return payload;
        });
        app.addHook('onSend', async (request, reply, payload) => {
          if (typeof payload === 'string' && made.has(request) && request.routeOptions.url !== undefined) {
            const operation = `${request.method} ${openapiPath(request.routeOptions.url)}`;
            answers.push({ operation, status: reply.statusCode, contentType: String(reply.getHeader('content-type') ?? ''), sent: payload, made: made.get(request) });
          }
          return payload;
        });
      },
    },
  );
  doc = (await r.call('GET', OPENAPI_PATH)).body as Doc;
});
afterAll(() => r.close());

/** The routes the document must cover: all but Swagger UI's own files and the HEAD twins Fastify adds to GET routes. */
function documentedRoutes() {
  const routes = registeredRoutes(r.registry.app).flatMap((route) => (Array.isArray(route.method) ? route.method : [route.method]).map((method) => ({ ...route, method })));
  const hidden = routes.filter((route) => route.url.startsWith(DOCS_PREFIX));
  const headTwins = routes.filter((route) => route.method === 'HEAD' && !route.url.startsWith(DOCS_PREFIX) && routes.some((g) => g.method === 'GET' && g.url === route.url));
  return { all: routes, hidden, headTwins, documented: routes.filter((route) => !hidden.includes(route) && !headTwins.includes(route)) };
}

function documentedOperations(): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((k) => METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${path}`));
}

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (a standard validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Spec);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route the registry registers, and none it does not', () => {
    const { documented, hidden, headTwins } = documentedRoutes();
    const fromRoutes = documented.map((route) => `${route.method} ${openapiPath(route.url)}`);
    // The tarball's HEAD (its size, no download counted) is documented on purpose.
    const tarballHead = 'HEAD /{name}/-/{file}';
    expect(documentedOperations().sort()).toEqual([...fromRoutes, tarballHead].sort());
    expect(headTwins.map((route) => route.url)).toContain('/:name/-/:file');
    // What is left out is Swagger UI's own pages and files, hidden from the document by design.
    expect(hidden.length).toBeGreaterThan(0);
    for (const route of hidden) expect(route.schema?.hide, route.url).toBe(true);
    expect(fromRoutes.length).toBeGreaterThanOrEqual(30);
  });

  it('every documented route has request schemas for its parameters and a response schema for success and for errors', () => {
    for (const route of documentedRoutes().documented) {
      const where = `${route.method} ${route.url}`;
      const response = route.schema?.response as Record<string, unknown> | undefined;
      expect(response, where).toBeDefined();
      // Success, or for `/` and `/-/marketplace` a redirect to the marketplace page.
      expect(Object.keys(response!).some((status) => /^[23]\d\d$/.test(status)), where).toBe(true);
      expect(response!['4xx'], where).toBeDefined();
      expect(response!['5xx'], where).toBeDefined();
      if (route.url.includes(':')) expect(route.schema?.params, where).toBeDefined();
      if (['PUT', 'POST'].includes(route.method) && !route.url.endsWith('/unyank') && !route.url.includes('/owners/')) expect(route.schema?.body, where).toBeDefined();
    }
  });
});

describe('answers', () => {
  let alice: string;
  let helloRev: string;

  beforeAll(async () => {
    const ok = (res: { status: number; body: unknown }, status: number) => expect(res.status, JSON.stringify(res.body)).toBe(status);
    const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`;
    ok(await r.call('GET', '/-/ping'), 200);
    ok(await r.call('GET', '/-/npm/v1/keys'), 200);
    alice = await r.user('alice');
    await r.user('bob');
    ok(await r.call('PUT', '/-/user/org.couchdb.user:alice/-rev/1-0', { headers: { authorization: basic }, body: { name: 'alice' } }), 201);
    ok(await r.call('GET', '/-/user/org.couchdb.user:alice'), 200);
    ok(await r.call('GET', '/-/whoami', { token: alice }), 200);
    const made = await r.call('POST', '/-/npm/v1/tokens', { token: alice, body: { password: PASSWORD, readonly: true, cidr_whitelist: ['127.0.0.1/32'], name: 'ci', expires: 30 } });
    ok(made, 201);
    ok(await r.call('POST', '/-/npm/v1/tokens', { headers: { authorization: basic } }), 201);
    ok(await r.call('GET', '/-/npm/v1/tokens?perPage=1', { token: alice }), 200);
    ok(await r.call('DELETE', `/-/npm/v1/tokens/token/${made.body.key}`, { token: alice }), 204);

    ok(await publish(r, alice, { name: 'hello', version: '1.0.0', readme: '# Hello\n', changelog: '## 1.0.0\n', keywords: ['greeting'] }), 201);
    ok(await publish(r, alice, { name: 'hello', version: '1.1.0', readme: '# Hello 1.1\n', dependencies: {} }), 201);
    // A library's version document is its package.json: fields no schema lists must pass through as they are.
    const odd = { description: { not: 'a string' }, bin: { demo: 'index.js' }, custom: [1, 'two', { three: 3 }], license: 7, keywords: 'one' };
    ok(await publishTarball(r, alice, '@easel/demo-lib', '1.0.0', libraryTarball('@easel/demo-lib', '1.0.0', odd)), 201);
    const tgz = await bundle({ name: 'gone', version: '1.0.0' });
    ok(await r.call('PUT', '/gone', { token: alice, body: publishBody('gone', '1.0.0', tgz) }), 201);

    ok(await r.call('GET', '/hello'), 200);
    ok(await r.call('GET', '/hello', { headers: { accept: 'application/vnd.npm.install-v1+json' } }), 200);
    ok(await r.call('GET', '/@easel%2fdemo-lib'), 200);
    ok(await r.call('GET', '/@easel%2fdemo-lib', { headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8' } }), 200);
    ok(await r.call('GET', '/@easel%2fdemo-lib/1.0.0'), 200);
    ok(await r.call('GET', '/hello/latest'), 200);
    ok(await r.call('GET', '/hello/-/hello-1.0.0.tgz'), 200);
    ok(await r.call('GET', '/-/package/hello/dist-tags'), 200);
    ok(await r.call('PUT', '/-/package/hello/dist-tags/stable', { token: alice, body: '1.0.0' }), 201);
    ok(await r.call('POST', '/-/package/hello/dist-tags/beta', { token: alice, body: '1.1.0' }), 201);
    ok(await r.call('DELETE', '/-/package/hello/dist-tags/beta', { token: alice }), 200);
    ok(await r.call('PUT', '/hello', { token: alice, body: { _id: 'hello', name: 'hello', versions: { '1.0.0': { deprecated: 'use 1.1' } } } }), 200);
    ok(await r.call('GET', '/-/v1/search?text=hello'), 200);
    ok(await r.call('GET', '/-/v1/search?text=demo'), 200);

    ok(await r.call('GET', '/api/v1/packages'), 200);
    ok(await r.call('GET', '/api/v1/packages?q=greeting&limit=5'), 200);
    ok(await r.call('GET', '/api/v1/packages/hello'), 200);
    ok(await r.call('GET', '/api/v1/packages/hello/versions/1.0.0'), 200);
    ok(await r.call('GET', '/api/v1/packages/hello/downloads'), 200);
    ok(await r.call('GET', '/api/v1/packages/hello/owners'), 200);
    ok(await r.call('PUT', '/api/v1/packages/hello/owners/bob', { token: alice }), 200);
    ok(await r.call('DELETE', '/api/v1/packages/hello/owners/bob', { token: alice }), 200);
    ok(await r.call('POST', '/api/v1/packages/hello/versions/1.0.0/yank', { token: ADMIN_TOKEN, body: { reason: 'leaks' } }), 200);
    ok(await r.call('GET', '/api/v1/packages/hello'), 200);
    ok(await r.call('GET', '/hello/1.0.0'), 200);
    ok(await r.call('POST', '/api/v1/packages/hello/versions/1.0.0/unyank', { token: ADMIN_TOKEN }), 200);

    // npm unpublish hello@1.1.0: the packument without it, then its tarball; then all of `gone`.
    helloRev = (await r.call('GET', '/hello?write=true')).body._rev;
    const full = (await r.call('GET', '/hello?write=true')).body;
    delete full.versions['1.1.0'];
    ok(await r.call('PUT', `/hello/-rev/${helloRev}`, { token: alice, body: full }), 201);
    const rev = (await r.call('GET', '/hello?write=true')).body._rev;
    ok(await r.call('DELETE', `/hello/-/hello-1.1.0.tgz/-rev/${rev}`, { token: alice }), 201);
    ok(await r.call('GET', '/api/v1/packages/hello'), 200);
    ok(await r.call('DELETE', `/gone/-rev/${(await r.call('GET', '/gone?write=true')).body._rev}`, { token: alice }), 201);
    ok(await r.call('DELETE', `/-/user/token/${await r.user('alice')}`, { token: alice }), 200);
    ok(await r.call('GET', OPENAPI_PATH), 200);

    // Errors, with and without details.
    ok(await r.call('GET', '/nothing-here'), 404);
    ok(await r.call('GET', '/api/v1/packages?limit=0'), 400);
    ok(await r.call('GET', '/-/whoami', { token: 'not-a-token' }), 401);
    ok(await r.call('POST', '/-/npm/v1/tokens', { token: alice, body: { password: PASSWORD, packages: ['x'] } }), 400);
  });

  it('are the handlers\' values, whole: no field dropped or changed by a response schema', () => {
    expect(answers.length).toBeGreaterThan(40);
    for (const answer of answers) expect(JSON.parse(answer.sent), `${answer.operation} ${answer.status}`).toEqual(answer.made);
  });

  it('cover every documented operation that answers JSON', () => {
    const answered = new Set(answers.filter((a) => a.status < 300).map((a) => a.operation));
    // A tarball is bytes, a revoked token 204 without a body; the marketplace page is HTML,
    // script and style (test/browser/registry-marketplace.test.ts) and `/` a redirect to it.
    const page = ['GET /', 'GET /-/marketplace', 'GET /-/marketplace/', 'GET /-/marketplace/app.js', 'GET /-/marketplace/app.css'];
    const notJson = new Set(['GET /{name}/-/{file}', 'HEAD /{name}/-/{file}', 'DELETE /-/npm/v1/tokens/token/{key}', ...page]);
    expect(documentedOperations().filter((op) => !notJson.has(op) && !answered.has(op))).toEqual([]);
  });

  it('match the schemas the document gives for them', () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const resolved = new Validator();
    return resolved.validate(doc as unknown as Spec).then(() => {
      const paths = (resolved.resolveRefs() as Doc).paths;
      for (const answer of answers) {
        const [method, path] = answer.operation.split(' ') as [string, string];
        const responses = paths[path]?.[method.toLowerCase()]?.responses ?? {};
        const response = responses[String(answer.status)] ?? responses[`${String(answer.status)[0]}XX`];
        const mediaType = answer.contentType.split(';')[0]!.trim();
        const schema = response?.content?.[mediaType]?.schema;
        expect(schema, `${answer.operation} ${answer.status} ${mediaType}`).toBeDefined();
        const validate = ajv.compile(schema as object);
        expect(validate(JSON.parse(answer.sent)) ? [] : validate.errors, `${answer.operation} ${answer.status}`).toEqual([]);
      }
    });
  });

  it('a library\'s odd package.json fields reach npm exactly as published', async () => {
    const full = (await r.call('GET', '/@easel%2fdemo-lib')).body;
    expect(full.description).toEqual({ not: 'a string' });
    expect(full.license).toBe(7);
    expect(full.versions['1.0.0']).toMatchObject({ custom: [1, 'two', { three: 3 }], bin: { demo: 'index.js' }, keywords: 'one' });
    const abbreviated = (await r.call('GET', '/@easel%2fdemo-lib', { headers: { accept: 'application/vnd.npm.install-v1+json' } })).body;
    expect(abbreviated.versions['1.0.0'].bin).toEqual({ demo: 'index.js' });
  });
});

describe('/-/docs', () => {
  it('serves the reference page and its assets from the registry itself, loading nothing from elsewhere', async () => {
    const page = await fetch(`${r.url}${DOCS_PREFIX}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/https?:/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const asset of assets) {
      expect(asset, 'an asset on this origin').toMatch(/^(\/|\.)/);
      const res = await fetch(new URL(asset, `${r.url}${DOCS_PREFIX}/`));
      expect(res.status, asset).toBe(200);
      await res.arrayBuffer();
    }
    const init = await (await fetch(`${r.url}${DOCS_PREFIX}/static/swagger-initializer.js`)).text();
    // Swagger UI's online validator badge is off, and the document comes from this registry.
    expect(init).toContain('validatorUrl: null');
    expect(init).toContain("url: resolveUrl('./json')");
    const spec = await fetch(`${r.url}${DOCS_PREFIX}/json`);
    expect(((await spec.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });
});
