/**
 * Routes plugins declare in their manifest (`routes`), mounted at `/v1/p/<plugin><path>`
 * for app keys. Each calls one agent capability: the JSON body (or the query string, for
 * GET and DELETE) is its input; a multipart upload fills byte fields (see
 * schemas/binary-fields.ts) with the raw file and the other fields from text parts, typed
 * by the input schema. Resolved per request, so routes follow installs and upgrades.
 */
import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AgentManifest } from '@easel/sdk';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ExecutionService } from '../../orchestration/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { binaryFieldsOf } from '../../schemas/index.ts';
import { pluginName } from '../schemas.ts';
import { hangUp, userOf } from './agents.ts';

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
    schema: { params: { type: 'object', required: ['plugin'], properties: { plugin: pluginName, '*': { type: 'string', maxLength: 200 } } } },
    handler: async (req, reply) => {
      const path = `/${req.params['*']}`.replace(/\/+$/, '') || '/';
      // Not installed, disabled or modified: the same answers the generic agent endpoint gives.
      const { record: installed } = await plugins.active(req.params.plugin);
      const route = installed.manifest.routes?.find((r) => r.method === req.method && r.path === path);
      if (!route) throw new EaselError('ROUTE_NOT_FOUND', `no route ${req.method} /v1/p/${req.params.plugin}${path}`);
      const capability = installed.manifest.agents.find((a) => a.type === route.agent)?.capabilities.find((c) => c.name === route.capability);
      const input = req.isMultipart() ? await multipartInput(req, capability?.input) : req.method === 'GET' || req.method === 'DELETE' ? typed(req.query as Record<string, unknown>, capability?.input) : (req.body ?? {});
      const result = await executions.runAgent({ plugin: installed.name, agent: route.agent, capability: route.capability, input, apiKeyId: req.principal?.keyId, userId: userOf(req.headers), signal: hangUp(reply) });
      return { executionId: result.executionId, output: result.output, costUsd: result.costUsd, durationMs: result.durationMs, cpuMs: result.cpuMs };
    },
  });
};

type Schema = AgentManifest['capabilities'][number]['input'] | undefined;

/** Files go to byte fields as bytes; text parts are typed by the schema; repeated names become arrays. */
async function multipartInput(req: FastifyRequest, schema: Schema): Promise<Record<string, unknown>> {
  const binary = new Set(binaryFieldsOf(schema).map((f) => f.name));
  const text: Record<string, unknown> = {};
  const input: Record<string, unknown> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (!binary.has(part.fieldname)) {
          await part.toBuffer();
          throw new EaselError('INPUT_INVALID', `a file was sent for ${part.fieldname}, which does not take bytes`, { problems: [{ path: `/${part.fieldname}`, message: 'does not take a file' }] });
        }
        input[part.fieldname] = await part.toBuffer();
      } else {
        if (part.valueTruncated || part.fieldnameTruncated) throw new EaselError('REQUEST_TOO_LARGE', `the form field ${part.fieldname} is over ${MAX_FIELD_BYTES} bytes`);
        const previous = text[part.fieldname];
        text[part.fieldname] = previous === undefined ? part.value : [...(Array.isArray(previous) ? previous : [previous]), part.value];
      }
    }
  } catch (error) {
    if (error instanceof EaselError) throw error;
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
      throw new EaselError('REQUEST_TOO_LARGE', 'the upload is over the size or part limits');
    }
    throw new EaselError('REQUEST_INVALID', 'the multipart body is malformed');
  }
  return { ...typed(text, schema), ...input };
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
