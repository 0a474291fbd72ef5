/**
 * Ready-to-run `curl` lines for everything a manifest offers (agent capabilities, workflows,
 * plugin routes), each with an input made up from its JSON Schema. The made-up input is
 * deterministic and small: a schema's own `const`, `default`, `examples[0]` or `enum[0]`
 * when it has one, otherwise a placeholder of its type, and only required properties.
 */
import type { PluginManifest } from '../../manifest.ts';

type Schema = Record<string, unknown>;

/** A 1×1 PNG, for byte fields that take an image. */
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==';
/** Placeholders for string formats a plain word would not match. */
const FORMATS: Record<string, string> = {
  email: 'ada@example.com',
  uri: 'https://example.com',
  url: 'https://example.com',
  'date-time': '2026-01-01T00:00:00Z',
  date: '2026-01-01',
  time: '12:00:00Z',
  uuid: '00000000-0000-4000-8000-000000000000',
  ipv4: '192.0.2.1',
  hostname: 'example.com',
};
/** Deeper than this, a schema (a recursive `$ref`, say) gets no more made up. */
const MAX_DEPTH = 8;

/**
 * An input that matches `schema` in the common cases (patterns and cross-field rules are not
 * attempted).
 *
 * @example
 * ```ts
 * exampleOf({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } }); // { name: 'example' }
 * ```
 */
export function exampleOf(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isSchema(schema) || depth > MAX_DEPTH) return undefined;
  if ('const' in schema) return schema.const;
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (typeof schema.$ref === 'string') return exampleOf(resolveRef(schema.$ref, root), root, depth + 1);
  for (const key of ['oneOf', 'anyOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return exampleOf({ ...withoutKey(schema, key), ...(options[0] as Schema) }, root, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const merged = schema.allOf.filter(isSchema).reduce<Schema>((all, part) => mergeSchemas(all, part), withoutKey(schema, 'allOf'));
    return exampleOf(merged, root, depth + 1);
  }
  switch (typeOf(schema)) {
    case 'object':
      return objectExample(schema, root, depth);
    case 'array': {
      const count = typeof schema.minItems === 'number' ? schema.minItems : 1;
      return Array.from({ length: Math.min(count, 3) }, () => exampleOf(schema.items ?? {}, root, depth + 1) ?? null);
    }
    case 'string':
      return stringExample(schema);
    case 'integer':
    case 'number':
      return numberExample(schema);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}

/**
 * One `curl` command line per agent capability, workflow and plugin route of `manifest`,
 * for the host at `url` with the app key `appKey`.
 */
export function curlExamples(manifest: PluginManifest, url: string, appKey: string): string[] {
  const auth = `-H 'authorization: Bearer ${appKey}'`;
  const post = (path: string, input: unknown) => `curl -s -X POST ${url}${path} ${auth} -H 'content-type: application/json' -d ${shellQuote(JSON.stringify(input ?? {}))}`;
  const lines: string[] = [];
  for (const agent of manifest.agents) {
    for (const capability of agent.capabilities) lines.push(post(`/v1/agents/${manifest.name}/${agent.type}/${capability.name}`, exampleOf(capability.input)));
  }
  for (const workflow of manifest.workflows ?? []) lines.push(post(`/v1/workflows/${workflow.type}/executions?plugin=${manifest.name}`, exampleOf(workflow.input)));
  for (const route of manifest.routes ?? []) {
    const schema = route.workflow !== undefined
      ? manifest.workflows?.find((w) => w.type === route.workflow)?.input
      : manifest.agents.find((a) => a.type === route.agent)?.capabilities.find((c) => c.name === route.capability)?.input;
    const example = exampleOf(schema);
    // A `:name` segment takes the example's `name` (which then leaves the body or query).
    const input: Record<string, unknown> = example !== null && typeof example === 'object' && !Array.isArray(example) ? { ...(example as Record<string, unknown>) } : {};
    const filled = route.path.replace(/:([A-Za-z][A-Za-z0-9_]*)/g, (_, name: string) => {
      const value = input[name];
      delete input[name];
      return encodeURIComponent(typeof value === 'string' || typeof value === 'number' ? String(value) : name);
    });
    const path = `/v1/p/${manifest.name}${filled}`;
    if (route.method === 'GET' || route.method === 'DELETE') {
      lines.push(`curl -s -X ${route.method} ${shellQuote(`${url}${path}${queryOf(input)}`)} ${auth}`);
    } else {
      lines.push(post(path, input).replace('-X POST', `-X ${route.method}`));
    }
  }
  return lines;
}

function objectExample(schema: Schema, root: unknown, depth: number): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
  const out: Record<string, unknown> = {};
  for (const key of required) out[key] = exampleOf(properties[key] ?? {}, root, depth + 1) ?? 'example';
  return out;
}

function stringExample(schema: Schema): string {
  if (schema.contentEncoding === 'base64') {
    return typeof schema.contentMediaType === 'string' && schema.contentMediaType.startsWith('image/') ? TINY_PNG : Buffer.from('example').toString('base64');
  }
  const base = typeof schema.format === 'string' && FORMATS[schema.format] ? FORMATS[schema.format]! : 'example';
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  return base.padEnd(min, 'x').slice(0, max);
}

function numberExample(schema: Schema): number {
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const step = num(schema.multipleOf) ?? (typeOf(schema) === 'integer' ? 1 : undefined);
  const low = num(schema.minimum) ?? (num(schema.exclusiveMinimum) !== undefined ? num(schema.exclusiveMinimum)! + (step ?? 1) : undefined);
  const high = num(schema.maximum) ?? (num(schema.exclusiveMaximum) !== undefined ? num(schema.exclusiveMaximum)! - (step ?? 1) : undefined);
  let value = low ?? Math.min(1, high ?? 1);
  if (step !== undefined) value = Math.ceil(value / step) * step;
  return value;
}

function typeOf(schema: Schema): string | undefined {
  const { type } = schema;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t) => t !== 'null') ?? type[0];
  if (isSchema(schema.properties) || Array.isArray(schema.required)) return 'object';
  if (schema.items !== undefined) return 'array';
  return undefined;
}

/** A local reference (`#/$defs/x`, `#/definitions/x`); anything else is left unresolved. */
function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isSchema(node) ? node[key] : undefined;
  }
  return node;
}

function mergeSchemas(a: Schema, b: Schema): Schema {
  const merged: Schema = { ...a, ...b };
  if (isSchema(a.properties) || isSchema(b.properties)) merged.properties = { ...(a.properties as Schema), ...(b.properties as Schema) };
  if (Array.isArray(a.required) || Array.isArray(b.required)) merged.required = [...new Set([...((a.required as string[]) ?? []), ...((b.required as string[]) ?? [])])];
  return merged;
}

function withoutKey(schema: Schema, key: string): Schema {
  const { [key]: _dropped, ...rest } = schema;
  return rest;
}

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A query string for a GET or DELETE route: scalars as they are, arrays repeated, objects as JSON. */
function queryOf(input: unknown): string {
  if (!isSchema(input)) return '';
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    for (const item of Array.isArray(value) ? value : [value]) query.append(key, typeof item === 'object' ? JSON.stringify(item) : String(item));
  }
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

/** One shell word in single quotes. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
