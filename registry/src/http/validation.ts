/**
 * Request validation with two Ajv configurations, as Fastify's docs suggest for different
 * parts: path parameters and query strings are text, so their values are coerced to the
 * schema's types (`?limit=5` is a number); a JSON body is validated as sent, never coerced
 * (a publish body, a token request or a user document that has a number where a string
 * belongs is refused, not silently changed) and never trimmed of fields.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

// Typed here as Fastify calls it: @fastify/ajv-compiler's declarations give the compiler the
// schema itself, while Fastify hands it a route definition.
type Compile = (route: { schema: unknown; httpPart?: string; method?: string; url?: string }) => unknown;
type Pool = (externalSchemas: unknown, options: AjvServerOptions) => Compile;
type AjvServerOptions = { customOptions?: Record<string, unknown>; plugins?: unknown[] } | undefined;

const fromPool = AjvCompiler() as unknown as Pool;

function buildValidator(externalSchemas: unknown, ajv: AjvServerOptions): Compile {
  const text = fromPool(externalSchemas, { ...ajv, customOptions: { ...ajv?.customOptions } });
  const json = fromPool(externalSchemas, { ...ajv, customOptions: { ...ajv?.customOptions, coerceTypes: false, removeAdditional: false } });
  return (route) => (route.httpPart === 'body' ? json(route) : text(route));
}

/** Options for `Fastify({...})`. */
export function validationOptions(): Pick<FastifyServerOptions, 'schemaController'> {
  return { schemaController: { compilersFactory: { buildValidator: buildValidator as never } } };
}
