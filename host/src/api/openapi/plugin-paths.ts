/**
 * The enabled plugins folded into the OpenAPI document: for each agent capability, workflow
 * and manifest route, a concrete operation (`POST /v1/agents/canvas/illustrator/draw`,
 * `POST /v1/p/canvas/sketch`…) whose request and answer carry the manifest's own input and
 * output schemas. Each is the generic operation it runs through (same parameters, same error
 * answers) with the plugin's schemas put in, so the two cannot disagree on anything else.
 */
import type { JsonSchema, PluginManifest, RouteManifest } from '@easel/sdk';
import { binaryFieldsOf } from '../../schemas/index.ts';
import type { InstalledPlugin } from '../../store/index.ts';
import { callResult, workflowResult } from './shapes/executions.ts';

type Json = Record<string, unknown>;
interface Operation extends Json {
  parameters?: { in: string; name: string }[];
  responses: Record<string, Json>;
}
export interface OpenApiDocument extends Json {
  paths: Record<string, Record<string, Operation>>;
  tags?: { name: string; description?: string }[];
}

const AGENT = '/v1/agents/{plugin}/{agent}/{capability}';
const START = '/v1/workflows/{type}/executions';
const PREVIEW = '/v1/workflows/{type}/preview';
const ROUTE = '/v1/p/{plugin}/{path}';

/** `base` with the enabled plugins' operations added (a new document; `base` is not changed). */
export function withPlugins(base: OpenApiDocument, installed: readonly InstalledPlugin[]): OpenApiDocument {
  const doc = structuredClone(base);
  const enabled = installed.filter((p) => p.enabled).sort((a, b) => a.name.localeCompare(b.name));
  const workflows = new Map<string, { plugin: InstalledPlugin; workflow: NonNullable<PluginManifest['workflows']>[number] }[]>();
  for (const plugin of enabled) {
    const tag = tagOf(plugin.name);
    doc.tags = [...(doc.tags ?? []), { name: tag, description: `${plugin.manifest.description} (plugin ${plugin.name}@${plugin.version})` }];
    for (const agent of plugin.manifest.agents) {
      for (const cap of agent.capabilities) {
        const id = `${plugin.name}:${plugin.version}:agent:${agent.type}:${cap.name}`;
        add(doc, `/v1/agents/${plugin.name}/${agent.type}/${cap.name}`, 'post', derive(base, AGENT, 'post', {
          tag,
          summary: `${agent.type}/${cap.name}: ${cap.description}`,
          description: agent.description,
          keepParameters: [],
          body: embed(cap.input, `${id}:input`),
          answer: callResult(embed(cap.output, `${id}:output`)),
        }));
      }
    }
    for (const workflow of plugin.manifest.workflows ?? []) workflows.set(workflow.type, [...(workflows.get(workflow.type) ?? []), { plugin, workflow }]);
    const seen = new Set<string>();
    for (const route of plugin.manifest.routes ?? []) {
      const path = `/v1/p/${plugin.name}${route.path === '/' ? '/' : route.path.replace(/:([A-Za-z][A-Za-z0-9_]*)/g, '{$1}')}`;
      const method = route.method.toLowerCase();
      // Of two routes alike, the first declared answers.
      if (seen.has(`${method} ${path}`)) continue;
      seen.add(`${method} ${path}`);
      const operation = routeOperation(base, plugin, route, tag);
      if (operation) add(doc, path, method, operation);
    }
  }
  for (const [type, offers] of workflows) {
    const several = offers.length > 1;
    // Each place a schema goes gets an $id of its own: one document may not hold two alike.
    const input = (use: string) => (several ? { anyOf: offers.map(({ plugin, workflow }) => embed(workflow.input, `${plugin.name}:${plugin.version}:workflow:${type}:${use}`)) } : embed(offers[0]!.workflow.input, `${offers[0]!.plugin.name}:${offers[0]!.plugin.version}:workflow:${type}:${use}`));
    const outputs = offers.map(({ plugin, workflow }) => (workflow.output === undefined ? undefined : embed(workflow.output, `${plugin.name}:${plugin.version}:workflow:${type}:output`)));
    const output = outputs.some((o) => o === undefined) ? undefined : several ? { anyOf: outputs } : outputs[0];
    const names = offers.map(({ plugin }) => plugin.name).join(', ');
    const common = {
      tag: offers.map(({ plugin }) => tagOf(plugin.name)),
      description: `${offers.map(({ workflow }) => workflow.description).join(' / ')}${several ? `\n\nOffered by ${names}: name one with \`?plugin=\`.` : ''}`,
      keepParameters: ['plugin', 'wait'],
    };
    add(doc, `/v1/workflows/${type}/executions`, 'post', derive(base, START, 'post', { ...common, summary: `Start the ${type} workflow`, body: input('input'), answer: workflowResult(output) }));
    add(doc, `/v1/workflows/${type}/preview`, 'post', derive(base, PREVIEW, 'post', { ...common, summary: `Preview the ${type} workflow`, body: input('preview-input'), keepParameters: ['plugin'] }));
  }
  return doc;
}

const tagOf = (plugin: string) => `plugin: ${plugin}`;

function add(doc: OpenApiDocument, path: string, method: string, operation: Operation | undefined): void {
  if (!operation) return;
  doc.paths[path] = { ...doc.paths[path], [method]: operation };
}

interface Derivation {
  tag: string | string[];
  summary: string;
  description: string;
  /** Parameters of the generic operation kept (query parameters); the path parameters go. */
  keepParameters: string[];
  /** Extra parameters (a route's own path and query fields). */
  parameters?: Json[];
  body?: Json;
  /** Multipart form of the body, for inputs with byte fields. */
  form?: Json;
  /** The 200 answer's schema; the generic one's when absent. */
  answer?: Json;
}

/** A concrete operation from the generic one at `path`/`method` of the base document. */
function derive(base: OpenApiDocument, path: string, method: string, d: Derivation): Operation | undefined {
  const generic = base.paths[path]?.[method];
  if (!generic) return undefined;
  const { requestBody: _body, parameters = [], responses, ...rest } = structuredClone(generic);
  const kept = [...parameters.filter((p) => d.keepParameters.includes(p.name) && p.in !== 'path'), ...(d.parameters ?? [])];
  const ok = responses['200'];
  return {
    ...rest,
    tags: Array.isArray(d.tag) ? d.tag : [d.tag],
    summary: d.summary,
    description: d.description,
    ...(kept.length > 0 ? { parameters: kept as Operation['parameters'] } : {}),
    ...(d.body ? { requestBody: { required: true, content: { 'application/json': { schema: d.body }, ...(d.form ? { 'multipart/form-data': { schema: d.form } } : {}) } } } : {}),
    responses: { ...responses, ...(ok && d.answer ? { 200: { ...ok, content: { 'application/json': { schema: d.answer } } } } : {}) },
  };
}

/** A manifest route as an operation: its path fields as path parameters, the rest from the query (GET, DELETE) or the body. */
function routeOperation(base: OpenApiDocument, plugin: InstalledPlugin, route: RouteManifest, tag: string): Operation | undefined {
  const { manifest } = plugin;
  const target = route.workflow !== undefined
    ? manifest.workflows?.find((w) => w.type === route.workflow)
    : manifest.agents.find((a) => a.type === route.agent)?.capabilities.find((c) => c.name === route.capability);
  if (!target) return undefined;
  const id = `${plugin.name}:${plugin.version}:route:${route.method}:${route.path}`;
  const input = embed(target.input, `${id}:input`);
  const properties = (input.properties ?? {}) as Record<string, Json>;
  const pathFields = [...route.path.matchAll(/:([A-Za-z][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
  const field = (name: string) => resolveLocal(properties[name], input) ?? (typeof input.$id === 'string' ? { $ref: `${input.$id}#/properties/${name}` } : {});
  const parameters: Json[] = pathFields.map((name) => ({ in: 'path', name, required: true, schema: properties[name] === undefined ? { type: 'string' } : field(name) }));
  const byQuery = route.method === 'GET' || route.method === 'DELETE';
  const required = new Set(Array.isArray(input.required) ? (input.required as string[]) : []);
  if (byQuery) {
    for (const [name, schema] of Object.entries(properties)) {
      if (!pathFields.includes(name)) parameters.push({ in: 'query', name, required: required.has(name), schema: field(name) });
    }
  }
  // The path fills its fields: the body need not carry them.
  const body = byQuery ? undefined : { ...input, ...(Array.isArray(input.required) ? { required: (input.required as string[]).filter((r) => !pathFields.includes(r)) } : {}) };
  const output = 'output' in target && target.output !== undefined ? embed(target.output, `${id}:output`) : undefined;
  const what = route.workflow !== undefined ? `runs the ${route.workflow} workflow to its end` : `calls ${route.agent}/${route.capability}`;
  return derive(base, ROUTE, route.method.toLowerCase(), {
    tag,
    summary: `${route.method} ${route.path}: ${what}`,
    description: target.description,
    keepParameters: [],
    parameters,
    ...(body ? { body, ...(binaryFieldsOf(target.input).length > 0 ? { form: formOf(body) } : {}) } : {}),
    answer: callResult(output),
  });
}

/** The multipart form of an input: byte fields become files, `parent.field` names fill an object property's fields; its $defs stay with it. */
function formOf(input: Json): Json {
  const properties: Record<string, Json> = {};
  const isBytes = (s: Json | undefined) => s?.type === 'string' && s.contentEncoding === 'base64';
  const file = (s: Json) => ({ type: 'string', format: 'binary', contentMediaType: typeof s.contentMediaType === 'string' ? s.contentMediaType : 'application/octet-stream', ...(typeof s.description === 'string' ? { description: s.description } : {}) });
  for (const [name, schema] of Object.entries((input.properties ?? {}) as Record<string, Json>)) {
    const nested = schema.type === 'object' ? (schema.properties as Record<string, Json> | undefined) : undefined;
    if (isBytes(schema)) properties[name] = file(schema);
    else if (nested && Object.values(nested).some(isBytes)) for (const [child, s] of Object.entries(nested)) properties[`${name}.${child}`] = isBytes(s) ? file(s) : s;
    else properties[name] = schema;
  }
  return { ...input, ...(typeof input.$id === 'string' ? { $id: `${input.$id}-form` } : {}), type: 'object', properties };
}

const MAX_REF_DEPTH = 8;

/**
 * A part of `root` taken out on its own (a route's parameter) with its local references
 * (`#/$defs/…`) put in place; undefined when one cannot be (a cycle, a reference outside).
 */
function resolveLocal(schema: unknown, root: Json, depth = 0): Json | undefined {
  if (depth > MAX_REF_DEPTH) return undefined;
  if (Array.isArray(schema)) {
    const items = schema.map((s) => resolveLocal(s, root, depth + 1));
    return items.some((s) => s === undefined) ? undefined : (items as unknown as Json);
  }
  if (schema === null || typeof schema !== 'object') return schema as Json;
  const s = schema as Json;
  if (typeof s.$ref === 'string') {
    if (!s.$ref.startsWith('#/')) return undefined;
    const target = s.$ref.slice(2).split('/').reduce<unknown>((at, part) => (at as Json | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], root);
    if (target === undefined) return undefined;
    const { $ref: _ref, ...rest } = s;
    const resolved = resolveLocal(target, root, depth + 1);
    return resolved === undefined ? undefined : { ...resolved, ...rest };
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(s)) {
    const resolved = key === 'enum' || key === 'const' || key === 'default' || key === 'examples' ? value : resolveLocal(value, root, depth + 1);
    if (resolved === undefined && value !== undefined) return undefined;
    out[key] = resolved;
  }
  return out;
}

const RESOURCE_KEYWORDS = ['$ref', '$dynamicRef', '$defs', 'definitions', '$anchor', '$dynamicAnchor', '$schema'];

/**
 * A manifest's JSON Schema, placed inside the document. A schema that refers to its own parts
 * (`#/$defs/…`) is given an `$id` of its own, so that its references resolve inside it and not
 * against the document's root.
 */
function embed(schema: JsonSchema | undefined, id: string): Json {
  if (schema === undefined || schema === null || typeof schema !== 'object') return {};
  const copy = structuredClone(schema) as Json;
  if (copy.$id === undefined && RESOURCE_KEYWORDS.some((k) => JSON.stringify(copy).includes(JSON.stringify(k)))) copy.$id = `urn:easel:${id.replace(/[^A-Za-z0-9:._-]/g, '-')}`;
  return copy;
}
