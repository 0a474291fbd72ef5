/**
 * The tool call a text model answers when `toolConfig` is present: input generated from the
 * tool's JSON Schema by json-schema-faker, seeded by the request so it is deterministic, and
 * checked with ajv (2020-12) before it leaves. A schema no attempt satisfies is the model's
 * failure (ModelErrorException 424), as with a real model that cannot follow it.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { generateSync } from 'json-schema-faker';
import { BedrockError, invalid } from './errors.ts';
import { seedOf } from './seeded.ts';
import type { ToolRequest } from './converse-request.ts';

export interface ToolUse {
  toolUseId: string;
  name: string;
  input: unknown;
}

const ATTEMPTS = 5;
const CACHE_LIMIT = 100;

const validators = new Map<string, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    try {
      // One ajv per schema, so the same `$id` in different requests cannot clash; strict:false
      // and no format checks because client schemas carry annotations and formats we do not vet.
      validate = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);
    } catch (err) {
      throw invalid(`The tool's inputSchema.json is not a valid JSON Schema: ${(err as Error).message}`);
    }
    if (validators.size >= CACHE_LIMIT) validators.delete(validators.keys().next().value as string);
    validators.set(key, validate);
  }
  return validate;
}

/** Sizes a schema may demand: the emulator may run inside the host, and a real model's answer is bounded by maxTokens anyway. */
const MAX_DEMANDED = { minItems: 100, minLength: 10_000, minProperties: 100 } as const;

function demandsTooMuch(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 64) return depth > 64;
  for (const [name, limit] of Object.entries(MAX_DEMANDED)) {
    const asked = (value as Record<string, unknown>)[name];
    if (typeof asked === 'number' && asked > limit) return true;
  }
  return Object.values(value).some((child) => demandsTooMuch(child, depth + 1));
}

export function toolAnswer(tool: ToolRequest, digest: Buffer): ToolUse {
  if (demandsTooMuch(tool.schema)) throw invalid(`The tool's inputSchema.json demands more than the emulator writes (minItems <= ${MAX_DEMANDED.minItems}, minLength <= ${MAX_DEMANDED.minLength}, minProperties <= ${MAX_DEMANDED.minProperties}).`);
  const validate = validatorFor(tool.schema);
  const toolUseId = `tooluse_${digest.toString('base64url').slice(0, 22)}`;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let input: unknown;
    try {
      input = generateSync(tool.schema as never, { seed: seedOf(digest, attempt * 4) + attempt, maxDepth: 5 });
    } catch {
      continue;
    }
    if (validate(input)) return { toolUseId, name: tool.name, input };
  }
  throw new BedrockError('ModelErrorException', `The model could not produce input that satisfies the schema of tool ${tool.name}.`, {
    resourceName: tool.name,
  });
}
