/**
 * Validators for the JSON Schemas that plugin manifests carry (capability input/output,
 * workflow input, config). Compiled once per installed plugin version and cached.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { PluginManifest } from '@easel/sdk';
import { linearRegExpEngine } from '@easel/sdk/bundle';
import { EaselError } from '../errors/index.ts';
import { inputByteFields as binaryFieldsOf, jsonLimitProblem, splitInputBytes as splitBinaryInput, type InputByteField as BinaryField, type JsonLimits, type SplitInput } from '@easel/sdk/isolate';

export interface Problem {
  path: string;
  message: string;
}

/** ajv errors as `{ path, message }` with JSON-pointer paths ('' becomes '/'). */
export function toProblems(errors: ErrorObject[] | null | undefined): Problem[] {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` '${String((e.params as { additionalProperty?: string }).additionalProperty)}'` : '';
    return { path: e.instancePath === '' ? '/' : e.instancePath, message: `${e.message ?? 'is invalid'}${extra}` };
  });
}

// Byte fields are read one way by the host and the SDK's test kit (@easel/sdk/isolate).
export { inputByteFields as binaryFieldsOf, sniffImage, splitInputBytes as splitBinaryInput, type InputByteField as BinaryField, type SplitInput } from '@easel/sdk/isolate';

/** The keyword of the ajv-shaped error a JSON limit gives (not a JSON Schema keyword). */
const JSON_LIMIT = 'jsonLimit';

/**
 * `validate`, checking the JSON limits (EASEL_JSON_MAX_DEPTH, EASEL_JSON_MAX_NODES) first:
 * a value past them fails with one error naming the limit, and ajv, which recurses with the
 * data, never sees it. Every validator of a plugin's schemas is one of these, so every input,
 * output and config checked against a schema is checked against the limits too.
 */
export function withJsonLimits(validate: ValidateFunction, limits: JsonLimits): ValidateFunction {
  const limited = Object.assign(
    (data: unknown): boolean => {
      const problem = jsonLimitProblem(data, limits);
      if (problem) {
        limited.errors = [{ instancePath: problem.path === '/' ? '' : problem.path, schemaPath: '#', keyword: JSON_LIMIT, params: { limit: problem.limit }, message: problem.message }];
        return false;
      }
      const valid = validate(data);
      limited.errors = validate.errors;
      return valid;
    },
    { schema: validate.schema, schemaEnv: validate.schemaEnv, errors: null as ErrorObject[] | null | undefined },
  ) as ValidateFunction;
  return limited;
}

/** What a failed validation says first: the JSON limit it passed, else that the value does not match `schema`. */
function mismatch(validate: ValidateFunction, schema: string): string {
  const limit = validate.errors?.find((e) => e.keyword === JSON_LIMIT);
  return limit?.message ?? `does not match ${schema}`;
}

/**
 * An input split into JSON and byte fields (decoded and checked) and validated against its
 * schema (and the JSON limits), or INPUT_INVALID with `details.problems`. `spelled` also lists
 * the problems in the message, for plugin code, which sees only a code and a message.
 */
export function checkedInput(input: unknown, validate: ValidateFunction, binary: readonly BinaryField[], label: string, spelled = false): SplitInput {
  const split = splitBinaryInput(input, binary);
  if (validate(split.forSchema) && split.problems.length === 0) return split;
  const problems = [...toProblems(validate.errors), ...split.problems];
  const listed = spelled ? `: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}` : '';
  throw new EaselError('INPUT_INVALID', { problem: `${mismatch(validate, `${label}'s input schema`)}${listed}` }, { problems });
}

/** OUTPUT_INVALID with `details.problems` unless `output` passes `validate` (its schema and the JSON limits). */
export function checkOutput(output: unknown, validate: ValidateFunction, plugin: string, label: string): void {
  if (validate(output)) return;
  throw new EaselError('OUTPUT_INVALID', { plugin, problem: mismatch(validate, `${label}'s output schema`) }, { problems: toProblems(validate.errors) });
}

export interface PluginValidators {
  input(agent: string, capability: string): ValidateFunction | undefined;
  /** Byte fields of a capability's input (see @easel/sdk/isolate input-bytes.ts). */
  inputBytes(agent: string, capability: string): BinaryField[];
  workflowBytes(type: string): BinaryField[];
  output(agent: string, capability: string): ValidateFunction | undefined;
  workflowInput(type: string): ValidateFunction | undefined;
  workflowOutput(type: string): ValidateFunction | undefined;
  config: ValidateFunction;
}

const ACCEPT_OBJECT = { type: 'object' };

export class ValidatorCache {
  #byPlugin = new Map<string, PluginValidators>();
  #limits: JsonLimits;

  /** `limits`: the host's JSON limits, which every validator checks first. */
  constructor(limits: JsonLimits) {
    this.#limits = limits;
  }

  /** Validators for `name@version`, compiled on first use. */
  for(manifest: PluginManifest): PluginValidators {
    const id = `${manifest.name}@${manifest.version}`;
    let found = this.#byPlugin.get(id);
    if (!found) {
      found = this.#compile(manifest);
      this.#byPlugin.set(id, found);
    }
    return found;
  }

  drop(manifest: PluginManifest): void {
    this.#byPlugin.delete(`${manifest.name}@${manifest.version}`);
  }

  #compile(manifest: PluginManifest): PluginValidators {
    // One ajv per plugin version: schemas of different plugins may reuse the same `$id`.
    // strict:false because plugin schemas may use keywords (formats, annotations) we do not vet.
    // Linear-time regexes: schemas come from plugins, and validation runs in the HTTP process.
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, code: { regExp: linearRegExpEngine } });
    const compile = (schema: object) => withJsonLimits(ajv.compile(schema), this.#limits);
    const inputs = new Map<string, ValidateFunction>();
    const outputs = new Map<string, ValidateFunction>();
    const inputBytes = new Map<string, BinaryField[]>();
    for (const agent of manifest.agents) {
      for (const cap of agent.capabilities) {
        inputs.set(`${agent.type}/${cap.name}`, compile(cap.input));
        outputs.set(`${agent.type}/${cap.name}`, compile(cap.output));
        inputBytes.set(`${agent.type}/${cap.name}`, binaryFieldsOf(cap.input));
      }
    }
    const workflows = new Map<string, ValidateFunction>();
    const workflowBytes = new Map<string, BinaryField[]>();
    const workflowOutputs = new Map<string, ValidateFunction>();
    for (const wf of manifest.workflows ?? []) {
      workflows.set(wf.type, compile(wf.input));
      workflowOutputs.set(wf.type, compile(wf.output ?? {}));
      workflowBytes.set(wf.type, binaryFieldsOf(wf.input));
    }
    const config = compile(manifest.config ?? ACCEPT_OBJECT);
    return {
      input: (agent, capability) => inputs.get(`${agent}/${capability}`),
      output: (agent, capability) => outputs.get(`${agent}/${capability}`),
      inputBytes: (agent, capability) => inputBytes.get(`${agent}/${capability}`) ?? [],
      workflowBytes: (type) => workflowBytes.get(type) ?? [],
      workflowInput: (type) => workflows.get(type),
      workflowOutput: (type) => workflowOutputs.get(type),
      config,
    };
  }
}
