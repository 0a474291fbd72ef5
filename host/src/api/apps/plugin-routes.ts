/**
 * Routes plugins declare in their manifest (`routes`), mounted at `/v1/p/<plugin><path>`
 * for app keys. Each calls one agent capability, or runs one of the plugin's workflows to its
 * end: the JSON body (or the query string, for GET and DELETE) is its input, and `:name`
 * path segments fill the input field `name`; a multipart upload fills byte fields (see
 * input-bytes.ts in @easel/sdk/isolate) with the raw file and the other fields from text parts, typed
 * by the input schema. Resolved per request, so routes follow installs and upgrades.
 */
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AgentManifest, RouteManifest } from '@easel/sdk';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ExecutionService } from '../../orchestration/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { binaryFieldsOf } from '../../schemas/index.ts';
import { EXECUTION_FAILURES } from '../openapi/errors.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { anyJson } from '../openapi/shapes/common.ts';
import { callResult } from '../openapi/shapes/executions.ts';
import { pluginName } from '../schemas.ts';
import { hangUp, userHeader, userOf } from './agents.ts';

export interface PluginRouteOptions {
  plugins: PluginService;
  executions: ExecutionService;
  keys: ApiKeyRepository;
  inputBodyMaxBytes: number;
}

const MAX_PARTS = 64;
const MAX_FIELD_BYTES = 64 * 1024;

export const pluginHttpRoutes: FastifyPluginAsync<PluginRouteOptions> = async (app, { plugins, executions, keys, inputBodyMaxBytes }) => {
  app.addHook('onRequest', requireRole(keys, 'app'));
  await app.register(multipart, { limits: { fileSize: inputBodyMaxBytes, files: 8, fields: MAX_PARTS, parts: MAX_PARTS, fieldSize: MAX_FIELD_BYTES } });

  app.route<{ Params: { plugin: string; '*': string } }>({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v1/p/:plugin/*',
    bodyLimit: inputBodyMaxBytes,
    config: { pluginInput: true },
    schema: routeSchema({
      tag: 'plugin routes',
      summary: 'Call a route a plugin declares',
      description: 'Each enabled plugin’s manifest routes, served as `<method> /v1/p/<plugin><path>`: a route calls one agent capability or runs one workflow to its end. The input is the JSON body (POST, PUT, PATCH), the query string (GET, DELETE) or a multipart form (files fill byte fields), and each `:name` segment of the route’s path fills the field `name`. With a key, this document lists each enabled plugin’s routes with their schemas.',
      audience: 'app',
      params: { type: 'object', required: ['plugin'], properties: { plugin: pluginName, '*': { type: 'string', maxLength: 200 } } },
      docHeaders: userHeader,
      docBody: { content: { 'application/json': { schema: anyJson('the input (a JSON object)') }, 'multipart/form-data': { schema: { type: 'object', additionalProperties: true, description: 'files fill byte fields; text parts fill the other fields; `parent.field` names fill an object property’s field' } } } },
      ok: { 200: json('the call’s result', callResult()) },
      errors: [...EXECUTION_FAILURES, 'ROUTE_NOT_FOUND', 'AGENT_NOT_FOUND', 'WORKFLOW_NOT_FOUND'],
    }),
    handler: async (req, reply) => {
      // Matched on the raw path, so that a :param is percent-decoded once (`%2F` stays inside its
      // segment); Fastify's decoded `*` is only used to name the route in errors.
      const prefix = `/v1/p/${req.params.plugin}`;
      const rawUrl = req.url.split('?')[0] ?? '';
      const rawPath = (rawUrl.startsWith(prefix) ? rawUrl.slice(prefix.length) : `/${req.params['*']}`).replace(/\/+$/, '') || '/';
      const path = `/${req.params['*']}`.replace(/\/+$/, '') || '/';
      // Not installed, disabled or modified: the same answers the generic agent endpoint gives.
      const { record: installed } = await plugins.active(req.params.plugin);
      const matched = matchRoute(installed.manifest.routes ?? [], req.method, rawPath);
      if (!matched) throw new EaselError('ROUTE_NOT_FOUND', { method: req.method, path: `/v1/p/${req.params.plugin}${path}` });
      const { route, params } = matched;
      const schema = route.workflow !== undefined
        ? installed.manifest.workflows?.find((w) => w.type === route.workflow)?.input
        : installed.manifest.agents.find((a) => a.type === route.agent)?.capabilities.find((c) => c.name === route.capability)?.input;
      const given = req.isMultipart() ? await multipartInput(req, schema) : req.method === 'GET' || req.method === 'DELETE' ? typed(req.query as Record<string, unknown>, schema) : (req.body ?? {});
      if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new EaselError('INPUT_INVALID', { problem: 'must be a JSON object' }, { problems: [{ path: '', message: 'must be object' }] });
      // Path parameters win over body or query fields of the same name.
      const input = { ...(given as Record<string, unknown>), ...typed(params, schema) };
      const call = { input, apiKeyId: req.principal?.keyId, appId: req.principal?.appId, userId: userOf(req.headers), signal: hangUp(reply) };
      const result = route.workflow !== undefined
        ? await executions.runWorkflow({ ...call, type: route.workflow, plugin: installed.name })
        : await executions.runAgent({ ...call, plugin: installed.name, agent: route.agent, capability: route.capability });
      return { executionId: result.executionId, output: result.output, costUsd: result.costUsd, durationMs: result.durationMs, cpuMs: result.cpuMs };
    },
  });
};

/** The route a request path matches: literal segments first (`/posts/new` before `/posts/:postId`), with its parameters. */
function matchRoute(routes: readonly RouteManifest[], method: string, path: string): { route: RouteManifest; params: Record<string, string> } | undefined {
  const segments = path.split('/').slice(1);
  let best: { route: RouteManifest; params: Record<string, string>; literals: number } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path === '/' ? [''] : route.path.split('/').slice(1);
    const wanted = path === '/' ? [''] : segments;
    if (pattern.length !== wanted.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    const fits = pattern.every((p, i) => {
      if (p.startsWith(':')) {
        if (wanted[i] === '') return false;
        params[p.slice(1)] = decodeSegment(wanted[i]!);
        return true;
      }
      literals++;
      return p === wanted[i];
    });
    if (fits && (!best || literals > best.literals)) best = { route, params, literals };
  }
  return best;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new EaselError('URL_INVALID');
  }
}

type Schema = AgentManifest['capabilities'][number]['input'] | undefined;

/** Files go to byte fields as bytes; text parts are typed by the schema; repeated names become arrays. */
async function multipartInput(req: FastifyRequest, schema: Schema): Promise<Record<string, unknown>> {
  const binary = new Set(binaryFieldsOf(schema).map((f) => f.name));
  const text: Record<string, unknown> = {};
  const input: Record<string, Buffer> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (!binary.has(part.fieldname)) {
          await part.toBuffer();
          throw new EaselError('INPUT_INVALID', { problem: `has a file for ${part.fieldname}, which does not take bytes` }, { problems: [{ path: `/${part.fieldname}`, message: 'does not take a file' }] });
        }
        input[part.fieldname] = await part.toBuffer();
      } else {
        if (part.valueTruncated || part.fieldnameTruncated) throw new EaselError('REQUEST_TOO_LARGE', { reason: `the form field ${part.fieldname} is over ${MAX_FIELD_BYTES} bytes` });
        const previous = text[part.fieldname];
        text[part.fieldname] = previous === undefined ? part.value : [...(Array.isArray(previous) ? previous : [previous]), part.value];
      }
    }
  } catch (error) {
    if (error instanceof EaselError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw new EaselError('REQUEST_TOO_LARGE', { reason: 'the upload is over the size or part limits' });
    }
    throw new EaselError('REQUEST_INVALID', { reason: 'the multipart body is malformed' });
  }
  return nestedForm(text, input, schema);
}

/**
 * A form's fields as the input: `parent.field` names fill the object property `parent` (one
 * level down, as byte fields may sit there), typed by its schema; other names are top-level.
 */
function nestedForm(text: Record<string, unknown>, files: Record<string, Buffer>, schema: Schema): Record<string, unknown> {
  const properties = ((schema as { properties?: Record<string, Schema & { type?: unknown }> } | undefined)?.properties ?? {}) as Record<string, { type?: unknown }>;
  const parentOf = (name: string) => {
    const dot = name.indexOf('.');
    const parent = dot > 0 ? name.slice(0, dot) : undefined;
    return parent !== undefined && Object.hasOwn(properties, parent) && properties[parent]?.type === 'object' ? { parent, child: name.slice(dot + 1) } : undefined;
  };
  const top: { text: Record<string, unknown>; files: Record<string, Buffer> } = { text: {}, files: {} };
  const groups = new Map<string, { text: Record<string, unknown>; files: Record<string, Buffer> }>();
  const place = (kind: 'text' | 'files', name: string, value: unknown) => {
    const at = parentOf(name);
    const group = at ? (groups.get(at.parent) ?? groups.set(at.parent, { text: {}, files: {} }).get(at.parent)!) : top;
    (group[kind] as Record<string, unknown>)[at ? at.child : name] = value;
  };
  for (const [name, value] of Object.entries(text)) place('text', name, value);
  for (const [name, value] of Object.entries(files)) place('files', name, value);
  const out: Record<string, unknown> = { ...typed(top.text, schema), ...top.files };
  for (const [parent, group] of groups) out[parent] = { ...typed(group.text, properties[parent] as Schema), ...group.files };
  return out;
}

/** Text values (query strings, form fields) converted to the types the input schema declares. */
function typed(values: Record<string, unknown>, schema: Schema): Record<string, unknown> {
  const properties = ((schema as { properties?: Record<string, { type?: unknown; anyOf?: { type?: unknown }[] }> } | undefined)?.properties ?? {}) as Record<string, { type?: unknown; anyOf?: { type?: unknown }[] }>;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const declared = Object.hasOwn(properties, name) ? properties[name] : undefined;
    const types = new Set([declared?.type, ...(declared?.anyOf ?? []).map((s) => s.type)].flat().filter((t) => typeof t === 'string'));
    const one = (v: unknown): unknown => {
      if (typeof v !== 'string') return v;
      if ((types.has('integer') || types.has('number')) && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
      if (types.has('boolean') && (v === 'true' || v === 'false')) return v === 'true';
      return v;
    };
    out[name] = Array.isArray(value) ? value.map(one) : types.has('array') && !types.has('string') ? [one(value)] : one(value);
  }
  return out;
}
