/** JSON Schemas of the arguments each `ctx.models` operation takes from plugin code. */
import { LATENCIES, RESIDENCIES, STRATEGIES, TIERS } from '../models/types.ts';

/** How a caller may steer the router (the bridge here, the models API too). */
export const routing = {
  tier: { enum: TIERS },
  latency: { enum: LATENCIES },
  strategy: { enum: STRATEGIES },
  residency: { enum: RESIDENCIES },
};

// Prompts are also bounded by the sandbox payload limit; this keeps one field from taking all of it.
const prompt = { type: 'string', minLength: 1, maxLength: 200_000 };

const text = {
  ...routing,
  prompt,
  system: { type: 'string', maxLength: 200_000 },
  maxTokens: { type: 'integer', minimum: 1, maximum: 200_000 },
  temperature: { type: 'number', minimum: 0, maximum: 1 },
  // true: the exact cache; 'semantic': near repeats too, where the host allows it; false: no cache.
  cache: { enum: [true, false, 'semantic'] },
};

const object = (properties: Record<string, unknown>, required: string[]) => ({ type: 'object', additionalProperties: false, required, properties });

// Sides Nova Canvas takes (multiples of 16 from 320) that Titan-style checks also accept (of 64, up to 2048).
export const side = { type: 'integer', minimum: 320, maximum: 2048, multipleOf: 64 };

export const MODEL_ARGUMENT_SCHEMAS: Record<string, Record<string, unknown>> = {
  text: object(text, ['prompt']),
  streamText: object({ ...text, cache: { const: false } }, ['prompt']),
  structured: object({ ...text, schema: { type: 'object' } }, ['prompt', 'schema']),
  embed: object({ ...routing, text: prompt, dimensions: { type: 'integer', minimum: 1, maximum: 8192 }, cache: { type: 'boolean' } }, ['text']),
  image: object(
    {
      ...routing,
      prompt: { type: 'string', minLength: 1, maxLength: 1024 },
      negativePrompt: { type: 'string', minLength: 1, maxLength: 1024 },
      count: { type: 'integer', minimum: 1, maximum: 5 },
      width: side,
      height: side,
      quality: { enum: ['standard', 'premium'] },
      seed: { type: 'integer', minimum: 0, maximum: 2_147_483_646 },
      // The sketch of an IMAGE_VARIATION does not travel here: it crosses as bytes.
      similarity: { type: 'number', minimum: 0.2, maximum: 1 },
    },
    ['prompt'],
  ),
  streamNext: object({ stream: { type: 'string', maxLength: 64 } }, ['stream']),
  streamClose: object({ stream: { type: 'string', maxLength: 64 } }, ['stream']),
};
