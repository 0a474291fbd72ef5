/**
 * Checks structured answers against the schema the plugin asked for. Schemas come from
 * plugin code, so ajv runs with linear-time regexes (as for manifest schemas), and compiled
 * checks are kept, up to a cap, keyed by the schema's canonical JSON.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { linearRegExpEngine } from '@easel/sdk/bundle';
import { JSON_DEPTH_CEILING } from '@easel/sdk/isolate';
import { EaselError } from '../errors/index.ts';
import { withJsonLimits } from '../schemas/index.ts';
import { canonicalJson } from './cache-keys.ts';

const MAX_COMPILED = 200;
/**
 * An answer nested deeper than any configured EASEL_JSON_MAX_DEPTH may be is not a usable
 * answer: the cache could not store it (SQLite's JSON functions stop at 1,000 levels) nor the
 * bridge carry it (JSON.stringify overflows at a few thousand). Its size is bounded by tokens.
 */
const ANSWER_LIMITS = { maxDepth: JSON_DEPTH_CEILING, maxNodes: Number.MAX_SAFE_INTEGER };
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
      throw new EaselError('MODEL_REQUEST_INVALID', { reason: `schema is over ${this.#limits.maxBytes} bytes, ${this.#limits.maxNodes} objects or ${MAX_DEPTH} levels` }, { field: 'schema' });
    }
    const found = this.#compiled.get(key);
    if (found) return found;
    let check: ValidateFunction;
    try {
      // A top-level $id would make a second schema with the same id collide inside ajv.
      const { $id: _id, ...anonymous } = schema;
      check = withJsonLimits(this.#ajv.compile(anonymous), ANSWER_LIMITS);
    } catch (error) {
      throw new EaselError('MODEL_REQUEST_INVALID', { reason: `schema is not a valid JSON Schema: ${(error as Error).message}` }, { field: 'schema' });
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
