/**
 * Validators for the JSON Schemas that plugin manifests carry (capability input/output,
 * workflow input, config). Compiled once per installed plugin version and cached.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { PluginManifest } from '@easel/sdk';
import { linearRegExpEngine } from '@easel/sdk/bundle';
import { EaselError } from '../errors/index.ts';
import { inputByteFields as binaryFieldsOf, splitInputBytes as splitBinaryInput, type InputByteField as BinaryField, type SplitInput } from '@easel/sdk/isolate';

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

/**
 * An input split into JSON and byte fields (decoded and checked) and validated against its
 * schema, or INPUT_INVALID with `details.problems`. `spelled` also lists the problems in the
 * message, for plugin code, which sees only a code and a message.
 */
export function checkedInput(input: unknown, validate: ValidateFunction, binary: readonly BinaryField[], label: string, spelled = false): SplitInput {
  const split = splitBinaryInput(input, binary);
  if (validate(split.forSchema) && split.problems.length === 0) return split;
  const problems = [...toProblems(validate.errors), ...split.problems];
  const listed = spelled ? `: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}` : '';
  throw new EaselError('INPUT_INVALID', `the input does not match ${label}'s input schema${listed}`, { problems });
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
    const inputs = new Map<string, ValidateFunction>();
    const outputs = new Map<string, ValidateFunction>();
    const inputBytes = new Map<string, BinaryField[]>();
    for (const agent of manifest.agents) {
      for (const cap of agent.capabilities) {
        inputs.set(`${agent.type}/${cap.name}`, ajv.compile(cap.input));
        outputs.set(`${agent.type}/${cap.name}`, ajv.compile(cap.output));
        inputBytes.set(`${agent.type}/${cap.name}`, binaryFieldsOf(cap.input));
      }
    }
    const workflows = new Map<string, ValidateFunction>();
    const workflowBytes = new Map<string, BinaryField[]>();
    const workflowOutputs = new Map<string, ValidateFunction>();
    for (const wf of manifest.workflows ?? []) {
      workflows.set(wf.type, ajv.compile(wf.input));
      workflowOutputs.set(wf.type, ajv.compile(wf.output ?? {}));
      workflowBytes.set(wf.type, binaryFieldsOf(wf.input));
    }
    const config = ajv.compile(manifest.config ?? ACCEPT_OBJECT);
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
