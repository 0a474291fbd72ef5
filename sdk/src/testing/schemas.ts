/**
 * The manifest's JSON Schemas compiled as the host compiles them (ajv, draft 2020-12, no
 * format checks, linear-time regexes): capability and workflow inputs and outputs, and the
 * config. Byte fields (`"contentEncoding": "base64"` strings) are decoded before the handler
 * runs; a test may pass them as Uint8Array or base64 text, as an app may.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { linearRegExpEngine } from '../bundle/linear-regexp.ts';
import type { JsonSchema, PluginManifest } from '../manifest.ts';
import { imageType } from './bytes.ts';
import { EaselError, problemsOf, type Problem } from './errors.ts';

/** A top-level input property that carries bytes. */
interface ByteField {
  name: string;
  maxBytes?: number;
  mediaType?: string;
}

/** The input, checked and split: JSON for the handler's input, bytes for its byte fields. */
export interface CheckedInput {
  json: unknown;
  bytes: Record<string, Uint8Array>;
}

/** Validators of one kind of call: its input (with byte fields) and its output. */
export interface CallSchemas {
  input: ValidateFunction;
  output: ValidateFunction;
  byteFields: ByteField[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_URL = /^data:[^,]*;base64,/i;

function byteFieldsOf(schema: JsonSchema): ByteField[] {
  const properties = schema.properties;
  if (properties === null || typeof properties !== 'object') return [];
  return Object.entries(properties as Record<string, Record<string, unknown> | null>)
    .filter(([, p]) => p?.type === 'string' && p.contentEncoding === 'base64')
    .map(([name, p]) => ({
      name,
      ...(typeof p!.maxLength === 'number' ? { maxBytes: Math.floor((p!.maxLength * 3) / 4) } : {}),
      ...(typeof p!.contentMediaType === 'string' ? { mediaType: p!.contentMediaType.toLowerCase() } : {}),
    }));
}

export class ManifestSchemas {
  readonly config: ValidateFunction;
  readonly #agents = new Map<string, CallSchemas>();
  readonly #workflows = new Map<string, CallSchemas>();

  constructor(manifest: PluginManifest) {
    // One ajv per plugin: schemas of different plugins may reuse a `$id`.
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, code: { regExp: linearRegExpEngine } });
    const compile = (input: JsonSchema, output: JsonSchema | undefined): CallSchemas => ({ input: ajv.compile(input), output: ajv.compile(output ?? {}), byteFields: byteFieldsOf(input) });
    for (const agent of manifest.agents) {
      for (const cap of agent.capabilities) this.#agents.set(`${agent.type}/${cap.name}`, compile(cap.input, cap.output));
    }
    for (const workflow of manifest.workflows ?? []) this.#workflows.set(workflow.type, compile(workflow.input, workflow.output));
    this.config = ajv.compile(manifest.config ?? { type: 'object' });
  }

  agent(agent: string, capability: string): CallSchemas | undefined {
    return this.#agents.get(`${agent}/${capability}`);
  }

  workflow(type: string): CallSchemas | undefined {
    return this.#workflows.get(type);
  }
}

/**
 * Decodes the byte fields, validates the input against its schema, and answers the split, or
 * INPUT_INVALID with every problem (`spelled` also lists them in the message, for plugin code).
 */
export function checkInput(input: unknown, schemas: CallSchemas, label: string, spelled: boolean): CheckedInput {
  const problems: Problem[] = [];
  const bytes: Record<string, Uint8Array> = {};
  let forSchema = input;
  let json = input;
  if (schemas.byteFields.length > 0 && input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const textual: Record<string, unknown> = { ...input };
    const rest: Record<string, unknown> = { ...input };
    for (const field of schemas.byteFields) {
      const decoded = decodeField((input as Record<string, unknown>)[field.name]);
      if (decoded === 'malformed') problems.push({ path: `/${field.name}`, message: 'must be base64 (or a data: URL with base64)' });
      if (decoded === undefined || decoded === 'malformed') continue;
      // The schema sees base64 text, the way an app sends it, whatever else is wrong with it.
      textual[field.name] = Buffer.from(decoded).toString('base64');
      const problem = fieldProblem(decoded, field);
      if (problem) problems.push({ path: `/${field.name}`, message: problem });
      else {
        bytes[field.name] = decoded;
        delete rest[field.name];
      }
    }
    forSchema = textual;
    json = rest;
  }
  if (schemas.input(forSchema) && problems.length === 0) return { json, bytes };
  problems.unshift(...problemsOf(schemas.input.errors));
  const listed = spelled ? `: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}` : '';
  throw new EaselError('INPUT_INVALID', `the input does not match ${label}'s input schema${listed}`, { problems });
}

/** A byte field's bytes (from a Uint8Array or base64 text); undefined for other values, which the schema refuses. */
function decodeField(value: unknown): Uint8Array | 'malformed' | undefined {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (typeof value !== 'string') return undefined;
  const text = value.replace(DATA_URL, '');
  return text.length % 4 === 0 && BASE64.test(text) ? new Uint8Array(Buffer.from(text, 'base64')) : 'malformed';
}

/** What is wrong with a byte field's bytes: too many, or not the image its media type says. */
function fieldProblem(decoded: Uint8Array, field: ByteField): string | undefined {
  if (field.maxBytes !== undefined && decoded.length > field.maxBytes) return `must be at most ${field.maxBytes} bytes (it is ${decoded.length})`;
  const wanted = field.mediaType;
  if (!wanted?.startsWith('image/')) return undefined;
  const found = imageType(decoded);
  if (wanted === 'image/*') return found === undefined ? 'is not a PNG or JPEG image' : undefined;
  return found === wanted ? undefined : `is not a ${wanted} image`;
}

/** The config, validated against the manifest's `config` schema and deeply frozen. */
export function checkedConfig<Config>(schemas: ManifestSchemas, config: Config | undefined): Readonly<Config> {
  const value = JSON.parse(JSON.stringify(config ?? {})) as Config;
  if (!schemas.config(value)) {
    const problems = problemsOf(schemas.config.errors);
    throw new EaselError('PLUGIN_CONFIG_INVALID', `the configuration does not match the plugin's config schema: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { problems });
  }
  return deepFreeze(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
