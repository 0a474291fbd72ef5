/**
 * `/openapi.json`: a valid OpenAPI 3.1 document (checked by a standard validator) that covers
 * exactly the routes the host registers, each with a response schema; with a key it also holds
 * the enabled plugins' agents, workflows and manifest routes with their manifests' schemas, and
 * drops them once the plugin is disabled. The response schemas keep every field the API sends
 * (answers compared with what the services return), and error answers carry the codes their
 * route documents.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pluginView, registeredRoutes } from '../../host/src/api/index.ts';
import { openApiPath, routesWithSchemas } from '../../host/src/api/openapi/index.ts';
import { packWithCli } from '../helpers/pack.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';

type Json = Record<string, any>;

let host: RunningHost;
let appKey: string;
let otherAppKey: string;

const json = (value: unknown) => JSON.parse(JSON.stringify(value));

async function fetchDoc(key?: string | null): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${host.url}/openapi.json`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: (await res.json()) as Json };
}

async function expectValid(doc: Json): Promise<void> {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(doc));
  expect(result.errors ?? [], JSON.stringify(result.errors ?? []).slice(0, 2000)).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
}

/** The reference page's own routes (its HTML, assets and its copy of the document) and the console's pages and files: not API routes. */
const isPage = (url: string) => url === '/docs' || url.startsWith('/docs/') || url === '/console' || url.startsWith('/console/');

/** The host's routes as `METHOD path` in OpenAPI's form, without the HEAD routes Fastify adds for each GET. */
function hostOperations(): string[] {
  const out = new Set<string>();
  for (const route of registeredRoutes(host.host.app)) {
    if (isPage(route.url)) continue;
    for (const method of [route.method].flat()) if (method !== 'HEAD') out.add(`${method} ${openApiPath(route.url)}`);
  }
  return [...out].sort();
}

function operationsOf(doc: Json, keep: (path: string) => boolean = () => true): string[] {
  return Object.entries(doc.paths as Record<string, Json>)
    .filter(([path]) => keep(path))
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/** The codes a route documents for a status. */
function documentedCodes(doc: Json, method: string, path: string, status: number): string[] {
  const response = doc.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)];
  const schema = response?.content?.['application/json']?.schema;
  const error = schema?.anyOf ? schema.anyOf.find((s: Json) => s.properties?.code) : schema;
  return error?.properties?.code?.enum ?? [];
}

/** Object schemas the serializer would empty: neither `properties` nor `additionalProperties`. */
function emptiedObjects(schema: unknown, at: string, out: string[] = []): string[] {
  if (schema === null || typeof schema !== 'object') return out;
  const s = schema as Json;
  const types = [s.type].flat();
  if (types.includes('object') && s.properties === undefined && s.additionalProperties === undefined) out.push(at);
  for (const [key, value] of Object.entries(s)) {
    if (key === 'enum' || key === 'const' || key === 'examples' || key === 'default') continue;
    emptiedObjects(value, `${at}/${key}`, out);
  }
  return out;
}

beforeAll(async () => {
  host = await startHost();
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'openapi app' } })).body.key;
  otherAppKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'openapi other app' } })).body.key;
  for (const name of ['openapi-refs', 'bytes-source', 'bytes-caller']) {
    const { tarball } = await packWithCli(`test/fixtures/plugins/${name}`);
    expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  }
});

afterAll(async () => {
  await host?.close();
});

describe('the document', () => {
  test('is OpenAPI 3.1 that a standard validator accepts, without a key', async () => {
    const { status, body } = await fetchDoc();
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    await expectValid(body);
    expect(body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  test('covers every route the host registers, and nothing else', async () => {
    const { body } = await fetchDoc();
    expect(operationsOf(body)).toEqual(hostOperations());
    // The walk is not empty by accident.
    expect(hostOperations()).toEqual(expect.arrayContaining(['GET /v1/plugins', 'POST /v1/agents/{plugin}/{agent}/{capability}', 'GET /openapi.json', 'GET /']));
  });

  test('every route has a response schema: a success answer, and the error shape for the errors it can answer', () => {
    const routes = routesWithSchemas(host.host.app).filter((r) => !isPage(r.url) && [r.method].flat().some((m) => m !== 'HEAD'));
    // Every route the host registers was seen with its schema.
    expect(new Set(routes.map((r) => r.url))).toEqual(new Set(registeredRoutes(host.host.app).map((r) => r.url).filter((u) => !isPage(u))));
    const problems: string[] = [];
    for (const route of routes) {
      const where = `${[route.method].flat().join(',')} ${route.url}`;
      const response = route.schema?.response as Record<string, Json> | undefined;
      if (!response) {
        problems.push(`${where}: no response schema`);
        continue;
      }
      if (!Object.keys(response).some((status) => /^[23]/.test(status))) problems.push(`${where}: no success answer`);
      for (const status of ['500', '503']) {
        const error = response[status]?.content?.['application/json']?.schema ?? response[status]?.anyOf?.[1];
        if (!error?.properties?.code || !error.required?.includes('statusCode')) problems.push(`${where}: no error shape for ${status}`);
      }
      for (const path of emptiedObjects(response, 'response')) problems.push(`${where}: ${path} is an object with neither properties nor additionalProperties (the serializer would send {})`);
    }
    expect(problems).toEqual([]);
  });

  test('operations are tagged by area and say which key they take', async () => {
    const { body } = await fetchDoc();
    const tags = new Set((body.tags as Json[]).map((t) => t.name));
    for (const [path, item] of Object.entries(body.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item as Record<string, Json>)) {
        expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const tag of op.tags) expect(tags.has(tag), `${method} ${path}: tag ${tag}`).toBe(true);
        expect(['public', 'admin', 'app', 'any-key'], `${method} ${path}`).toContain(op['x-easel-audience']);
        expect(op.security, `${method} ${path}`).toBeDefined();
      }
    }
    expect(body.paths['/v1/plugins'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(body.paths['/healthz'].get.security).toEqual([]);
  });

  test('error answers carry codes their route documents for that status', async () => {
    const { body: doc } = await fetchDoc();
    const cases: { method: string; url: string; path: string; key?: string | null; body?: unknown }[] = [
      { method: 'GET', url: '/v1/plugins/no-such-plugin', path: '/v1/plugins/{name}' },
      { method: 'GET', url: '/v1/plugins', path: '/v1/plugins', key: null },
      { method: 'GET', url: '/v1/plugins', path: '/v1/plugins', key: 'not-a-key' },
      { method: 'POST', url: '/v1/keys', path: '/v1/keys', body: { role: 'root' } },
      { method: 'GET', url: '/v1/executions/00000000-0000-4000-8000-000000000000', path: '/v1/executions/{id}', key: '$app' },
      { method: 'POST', url: '/v1/agents/openapi-refs/shelf/describe', path: '/v1/agents/{plugin}/{agent}/{capability}', key: '$app', body: { itemId: 'x', size: 'small' } },
      { method: 'POST', url: '/v1/workflows/no-such-flow/executions', path: '/v1/workflows/{type}/executions', key: '$app', body: {} },
      { method: 'GET', url: '/v1/p/openapi-refs/items/x', path: '/v1/p/{plugin}/{path}', key: '$app' },
      { method: 'GET', url: '/metrics', path: '/metrics', key: '$app' },
      { method: 'DELETE', url: '/v1/apps/no-such-app/budget', path: '/v1/apps/{id}/budget' },
      { method: 'GET', url: '/v1/models/costs/estimate?task=text&model=no-such-model', path: '/v1/models/costs/estimate' },
    ];
    for (const c of cases) {
      const key = c.key === '$app' ? appKey : c.key;
      const answer = await host.call(c.method, c.url, { key, ...(c.body === undefined ? {} : { body: c.body }) });
      expect(answer.status, `${c.method} ${c.url}`).toBeGreaterThanOrEqual(400);
      expect(documentedCodes(doc, c.method, c.path, answer.status), `${c.method} ${c.url}: ${answer.status} ${answer.body?.code}`).toContain(answer.body.code);
    }
  });
});

describe('the enabled plugins, folded in', () => {
  test('without a key the document has none; with an admin or app key it has each agent, workflow and route with the manifest schemas', async () => {
    for (const name of ['bytes-source', 'openapi-refs', 'bytes-caller']) {
      expect((await host.call('POST', `/v1/plugins/${name}/enable`, { body: { grant: 'requested' } })).status).toBe(200);
    }
    const open = await fetchDoc();
    expect(Object.keys(open.body.paths).filter((p) => p.includes('openapi-refs') || p.includes('refs-tally'))).toEqual([]);

    const { status, body: doc } = await fetchDoc(host.config.adminToken);
    expect(status).toBe(200);
    await expectValid(doc);
    const manifest = (await host.host.plugins.get('openapi-refs')).manifest;
    const capability = manifest.agents[0]!.capabilities[0]!;

    const agentOp = doc.paths['/v1/agents/openapi-refs/shelf/describe'].post;
    expect(agentOp.tags).toEqual(['plugin: openapi-refs']);
    // The manifest's own schema, given an $id so that its #/$defs references resolve inside it.
    const { $id, ...input } = agentOp.requestBody.content['application/json'].schema;
    expect(input).toEqual(capability.input);
    expect($id).toMatch(/^urn:easel:/);
    expect(agentOp.responses['200'].content['application/json'].schema.properties.output).toEqual(capability.output);
    // The generic operation's error answers come along.
    expect(documentedCodes(doc, 'POST', '/v1/agents/openapi-refs/shelf/describe', 504)).toContain('EXECUTION_TIMEOUT');

    const start = doc.paths['/v1/workflows/refs-tally/executions'].post;
    expect(start.requestBody.content['application/json'].schema).toEqual(manifest.workflows![0]!.input);
    expect(start.responses['200'].content['application/json'].schema.properties.output).toEqual(manifest.workflows![0]!.output);
    expect(start.responses['202']).toBeDefined();
    expect(start.parameters.map((p: Json) => p.name).sort()).toEqual(['plugin', 'wait']);
    expect(doc.paths['/v1/workflows/refs-tally/preview'].post.requestBody).toBeDefined();

    // A manifest route: its :itemId a path parameter, the other fields (GET) query parameters.
    const route = doc.paths['/v1/p/openapi-refs/items/{itemId}'].get;
    expect(route.parameters.map((p: Json) => `${p.in}:${p.name}:${p.required}`).sort()).toEqual(['path:itemId:true', 'query:loud:false', 'query:size:true']);
    expect(route.responses['200'].content['application/json'].schema.properties.output).toEqual(capability.output);
    expect(doc.paths['/v1/p/openapi-refs/tally'].post.requestBody.content['application/json'].schema).toEqual(manifest.workflows![0]!.input);

    // A route whose input has byte fields also takes a multipart form: files fill the byte fields.
    const relay = doc.paths['/v1/p/bytes-caller/relay/{tag}'].post;
    const form = relay.requestBody.content['multipart/form-data'].schema.properties;
    expect(form.payload).toMatchObject({ type: 'string', format: 'binary' });
    expect(form['extra.blob']).toMatchObject({ type: 'string', format: 'binary' });
    expect(form['extra.note']).toEqual({ type: 'string' });
    // The path fills tag: the body need not carry it.
    expect(relay.requestBody.content['application/json'].schema.required).toEqual(['payload']);

    // Calling what the document describes works as described.
    const called = await host.call('GET', '/v1/p/openapi-refs/items/a7?size=large&loud=true', { key: appKey });
    expect(called.status).toBe(200);
    expect(called.body.output).toEqual({ label: 'LARGE ITEM A7', nested: { deep: [1, 2, 3] } });
  });

  test('an app key reads the same document as an admin: plugins are the host’s, nothing of an app is in it', async () => {
    const admin = (await fetchDoc(host.config.adminToken)).body;
    const app = await fetchDoc(appKey);
    const other = await fetchDoc(otherAppKey);
    expect(app.status).toBe(200);
    expect(app.body).toEqual(admin);
    expect(other.body).toEqual(admin);
  });

  test('a key that is not valid is refused, not given the document without plugins', async () => {
    const { status, body } = await fetchDoc('not-a-valid-key');
    expect(status).toBe(401);
    expect(body.code).toBe('AUTH_INVALID');
  });

  test('a disabled plugin leaves the document at once, and comes back when enabled', async () => {
    const has = (doc: Json) => operationsOf(doc, (p) => p.includes('openapi-refs') || p.includes('refs-tally'));
    const before = has((await fetchDoc(appKey)).body);
    expect(before).toEqual(['GET /v1/p/openapi-refs/items/{itemId}', 'POST /v1/agents/openapi-refs/shelf/describe', 'POST /v1/p/openapi-refs/tally', 'POST /v1/workflows/refs-tally/executions', 'POST /v1/workflows/refs-tally/preview']);

    expect((await host.call('POST', '/v1/plugins/openapi-refs/disable')).status).toBe(200);
    const disabled = (await fetchDoc(appKey)).body;
    expect(has(disabled)).toEqual([]);
    expect(disabled.tags.map((t: Json) => t.name)).not.toContain('plugin: openapi-refs');
    await expectValid(disabled);
    // The others stay.
    expect(disabled.paths['/v1/agents/bytes-source/mirror/reverse']).toBeDefined();

    expect((await host.call('POST', '/v1/plugins/openapi-refs/enable', { body: {} })).status).toBe(200);
    expect(has((await fetchDoc(appKey)).body)).toEqual(before);
  });
});

describe('response schemas keep every field', () => {
  test('a plugin as GET /v1/plugins/:name, the list and enable send it', async () => {
    const record = await host.host.plugins.get('bytes-caller');
    const expected = json({ ...pluginView(record, true, null), granted: await host.host.plugins.grantOf('bytes-caller') });
    const answer = await host.call('GET', '/v1/plugins/bytes-caller');
    expect(answer.body).toStrictEqual(expected);
    // The whole manifest, however open-ended.
    expect(answer.body.manifest).toStrictEqual(json(record.manifest));
    const listed = (await host.call('GET', '/v1/plugins')).body.plugins.find((p: Json) => p.name === 'bytes-caller');
    const { manifest: _m, granted: _g, ...view } = expected;
    expect(listed).toStrictEqual(view);
  });

  test('the model catalog as the router holds it', async () => {
    const answer = await host.call('GET', '/v1/models', { key: appKey });
    const catalog = host.host.models.router.catalog;
    expect(answer.body).toStrictEqual(json({ region: catalog.region, currency: catalog.currency, verifiedAt: catalog.verifiedAt, sources: catalog.sources, target: host.host.models.target.kind, models: catalog.models.map((m) => ({ ...m, cooling: false })) }));
  });

  test('an execution with its steps, and the workflow and agent answers', async () => {
    const started = await host.call('POST', '/v1/workflows/relay/executions?wait=true', { key: appKey, body: { payload: Buffer.from('hello bytes').toString('base64'), tag: 't', extra: { blob: 'AAEC', note: 'n', count: 2 } } });
    expect(started.status).toBe(200);
    expect(Object.keys(started.body).sort()).toEqual(['costUsd', 'cpuMs', 'durationMs', 'executionId', 'output', 'status']);
    const view = json(await host.host.executions.view(started.body.executionId));
    expect(view.steps.length).toBeGreaterThan(0);
    const answer = await host.call('GET', `/v1/executions/${started.body.executionId}`, { key: appKey });
    expect(answer.body).toStrictEqual(view);
    expect(started.body.output).toStrictEqual(view.output);

    const page = await host.call('GET', '/v1/executions?limit=5', { key: appKey });
    const { steps: _steps, ...record } = view;
    expect(page.body.items.find((e: Json) => e.id === view.id)).toStrictEqual(record);

    const agent = await host.call('POST', '/v1/agents/openapi-refs/shelf/describe', { key: appKey, body: { itemId: 'b', size: 'small' } });
    expect(agent.body).toStrictEqual(json({ executionId: agent.body.executionId, output: { label: 'small item b', nested: { deep: [1, 2, 3] } }, costUsd: 0, durationMs: agent.body.durationMs, cpuMs: agent.body.cpuMs }));
    expect(typeof agent.body.durationMs).toBe('number');
  });

  test('usage stats, a budget status and an error’s details', async () => {
    const appId = (await host.call('GET', '/v1/keys')).body.keys.find((k: Json) => k.label === 'openapi app').appId as string;
    await host.call('PUT', `/v1/apps/${appId}/budget`, { body: { monthlyUsd: 12.5 } });
    const stats = await host.call('GET', '/v1/models/usage/stats?period=weekly', { key: appKey });
    expect(stats.status).toBe(200);
    const { period, appBudget, since, until, ...totals } = stats.body;
    expect(period).toBe('weekly');
    expect(appBudget).toStrictEqual(json(await host.host.store.budgets.get({ appId }, appBudget.month)));
    expect(json(await host.host.store.usage.stats({ appId }, since, until))).toStrictEqual({ ...totals, since, until });

    const refused = await host.call('POST', '/v1/agents/openapi-refs/shelf/describe', { key: appKey, body: { itemId: '', size: 'huge' } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('INPUT_INVALID');
    expect(refused.body.details.problems.length).toBeGreaterThan(0);
    expect(Object.keys(refused.body.details.problems[0]).sort()).toEqual(['message', 'path']);
  });
});
