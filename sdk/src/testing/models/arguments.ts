/**
 * The requests `ctx.models` operations take, checked as the host checks them before any
 * model is asked: MODEL_REQUEST_INVALID with every problem, naming the field.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { EaselError, problemsOf } from '../errors.ts';

const oneOf = (...values: string[]) => ({ enum: values });
const int = (minimum: number, maximum: number) => ({ type: 'integer', minimum, maximum });
const text = (minLength: number, maxLength: number) => ({ type: 'string', minLength, maxLength });
const strict = (required: string[], properties: Record<string, unknown>) => ({ type: 'object', additionalProperties: false, required, properties });

/** How a request may steer the router. */
const ROUTING = {
  tier: oneOf('basic', 'standard', 'premium'),
  latency: oneOf('fast', 'standard', 'slow'),
  strategy: oneOf('cost-first', 'quality-first', 'balanced'),
  residency: oneOf('in-region', 'apac', 'global'),
};
const PROMPTED = {
  ...ROUTING,
  prompt: text(1, 200_000),
  system: text(0, 200_000),
  maxTokens: int(1, 200_000),
  temperature: { type: 'number', minimum: 0, maximum: 1 },
  cache: { enum: [true, false, 'semantic'] },
};
// Image sides Nova Canvas and Titan both take.
const SIDE = { ...int(320, 2048), multipleOf: 64 };
const STREAM = strict(['stream'], { stream: text(0, 64) });

const SCHEMAS: Record<string, object> = {
  text: strict(['prompt'], PROMPTED),
  streamText: strict(['prompt'], { ...PROMPTED, cache: { const: false } }),
  structured: strict(['prompt', 'schema'], { ...PROMPTED, schema: { type: 'object' } }),
  embed: strict(['text'], { ...ROUTING, text: text(1, 200_000), dimensions: int(1, 8192), cache: { type: 'boolean' } }),
  // The sketch of an image variation is not here: it travels as bytes.
  image: strict(['prompt'], {
    ...ROUTING,
    prompt: text(1, 1024),
    negativePrompt: text(1, 1024),
    count: int(1, 5),
    width: SIDE,
    height: SIDE,
    quality: oneOf('standard', 'premium'),
    seed: int(0, 2_147_483_646),
    similarity: { type: 'number', minimum: 0.2, maximum: 1 },
  }),
  streamNext: STREAM,
  streamClose: STREAM,
};

const ajv = new Ajv2020({ allErrors: true, strict: false });
const checks = new Map<string, ValidateFunction>(Object.entries(SCHEMAS).map(([op, schema]) => [op, ajv.compile(schema)]));

/** Refuses an unknown operation (BRIDGE_ARGUMENT_INVALID) or a malformed request (MODEL_REQUEST_INVALID). */
export function checkModelArguments(op: string, args: Record<string, unknown>): void {
  const check = checks.get(op);
  if (!check) throw new EaselError('BRIDGE_ARGUMENT_INVALID', `models has no operation ${op}`);
  if (check(args)) return;
  const problems = problemsOf(check.errors);
  throw new EaselError('MODEL_REQUEST_INVALID', `invalid ${op} request: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`, { problems });
}
