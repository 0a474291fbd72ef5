/**
 * Checks structured answers against the schema the plugin asked for. Schemas come from
 * plugin code, so ajv runs with linear-time regexes (as for manifest schemas), and compiled
 * checks are kept, up to a cap, keyed by the schema's canonical JSON.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { linearRegExpEngine } from '@easel/sdk/bundle';
import { EaselError } from '../errors/index.ts';
import { canonicalJson } from './cache-keys.ts';

const MAX_COMPILED = 200;
/** Deeper than any real answer schema; keeps the walk below and ajv's recursion shallow. */
const MAX_DEPTH = 32;

export interface SchemaLimits {
  maxBytes: number;
  /** Objects and arrays in the schema: ajv's compile time grows with them, on the HTTP thread. */
  maxNodes: number;
}

/** Objects and arrays in `value`, or Infinity past MAX_DEPTH. */
function nodes(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object') return 0;
  if (depth > MAX_DEPTH) return Infinity;
  let count = 1;
  for (const child of Object.values(value)) count += nodes(child, depth + 1);
  return count;
}

export class SchemaChecks {
  #ajv = new Ajv2020({ strict: false, validateFormats: false, code: { regExp: linearRegExpEngine } });
  #compiled = new Map<string, ValidateFunction>();
  #limits: SchemaLimits;

  constructor(limits: SchemaLimits) {
    this.#limits = limits;
  }

  compile(schema: Record<string, unknown>): ValidateFunction {
    const key = canonicalJson(schema);
    if (Buffer.byteLength(key) > this.#limits.maxBytes || nodes(schema) > this.#limits.maxNodes) {
      throw new EaselError('MODEL_REQUEST_INVALID', `schema is over ${this.#limits.maxBytes} bytes, ${this.#limits.maxNodes} objects or ${MAX_DEPTH} levels`, { field: 'schema' });
    }
    const found = this.#compiled.get(key);
    if (found) return found;
    let check: ValidateFunction;
    try {
      // A top-level $id would make a second schema with the same id collide inside ajv.
      const { $id: _id, ...anonymous } = schema;
      check = this.#ajv.compile(anonymous);
    } catch (error) {
      throw new EaselError('MODEL_REQUEST_INVALID', `schema is not a valid JSON Schema: ${(error as Error).message}`, { field: 'schema' });
    }
    // ajv keeps every schema it compiled: past the cap, start both over.
    if (this.#compiled.size >= MAX_COMPILED) {
      this.#ajv.removeSchema();
      this.#compiled.clear();
    }
    this.#compiled.set(key, check);
    return check;
  }
}
