/**
 * The manifest's JSON Schemas compiled as the host compiles them (ajv, draft 2020-12, no
 * format checks, linear-time regexes): capability and workflow inputs and outputs, and the
 * config. Byte fields (`"contentEncoding": "base64"` strings, top-level or one level down) are
 * decoded before the handler runs, as the host decodes them; a test may pass them as
 * Uint8Array or base64 text, as an app may.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { linearRegExpEngine } from '../bundle/linear-regexp.ts';
import type { JsonSchema, PluginManifest } from '../manifest.ts';
import { inputByteFields, splitInputBytes, type InputByteField } from '../isolate/input-bytes.ts';
import { HOST_DEFAULT_JSON_LIMITS, jsonLimitProblem } from '../isolate/json-limits.ts';
import { EaselError, problemsOf, type Problem } from './errors.ts';

/** The input, checked and split: JSON for the handler's input, bytes for its byte fields (by name, `parent.field` one level down). */
export interface CheckedInput {
  json: unknown;
  bytes: Record<string, Uint8Array>;
}

/** Validators of one kind of call: its input (with byte fields) and its output. */
export interface CallSchemas {
  input: ValidateFunction;
  output: ValidateFunction;
  byteFields: InputByteField[];
}

export class ManifestSchemas {
  readonly config: ValidateFunction;
  readonly #agents = new Map<string, CallSchemas>();
  readonly #workflows = new Map<string, CallSchemas>();

  constructor(manifest: PluginManifest) {
    // One ajv per plugin: schemas of different plugins may reuse a `$id`.
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, code: { regExp: linearRegExpEngine } });
    const compile = (input: JsonSchema, output: JsonSchema | undefined): CallSchemas => ({ input: ajv.compile(input), output: ajv.compile(output ?? {}), byteFields: inputByteFields(input) });
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
 * An input nested deeper or holding more values than a default host takes (`EASEL_JSON_MAX_DEPTH`,
 * `EASEL_JSON_MAX_NODES`) is refused first, as the host refuses it.
 */
export function checkInput(input: unknown, schemas: CallSchemas, label: string, spelled: boolean): CheckedInput {
  const over = jsonLimitProblem(input, HOST_DEFAULT_JSON_LIMITS);
  if (over) throw new EaselError('INPUT_INVALID', `the input ${over.message}${spelled ? `: ${over.path} ${over.message}` : ''}`, { problems: [{ path: over.path, message: over.message }] });
  // The host's own reading of byte fields: decoded, size- and type-checked, base64 for the schema.
  const split = splitInputBytes(input, schemas.byteFields);
  if (schemas.input(split.forSchema) && split.problems.length === 0) return { json: split.json, bytes: split.bytes };
  const problems: Problem[] = [...problemsOf(schemas.input.errors), ...split.problems];
  const listed = spelled ? `: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}` : '';
  throw new EaselError('INPUT_INVALID', `the input does not match ${label}'s input schema${listed}`, { problems });
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
