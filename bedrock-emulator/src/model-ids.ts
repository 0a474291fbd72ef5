/**
 * Model ids as the client sends them: plain (`anthropic.claude-…`), cross-Region inference
 * profiles (`apac.…`, `global.…`) and ARNs of either. The family is decided on the base id.
 * Fastify has already percent-decoded the path segment (`%3A` → `:`, `%2F` → `/`).
 */
import { invalid } from './errors.ts';

export type ModelFamily = 'text' | 'image' | 'embedding';

export interface ResolvedModel {
  /** As sent, percent-decoded. */
  id: string;
  /** Without ARN and profile prefixes, e.g. `amazon.nova-lite-v1:0`. */
  baseId: string;
  family: ModelFamily;
}

const ARN = /^arn:aws[\w-]*:bedrock:[\w-]*:\d*:(?:foundation-model|inference-profile)\/(.+)$/;
const PROFILE = /^(?:apac|global)\.(.+)$/;

const FAMILIES: ReadonlyArray<[RegExp, ModelFamily]> = [
  [/^anthropic\./, 'text'],
  [/^amazon\.nova-(?:micro|lite|pro|premier)/, 'text'],
  [/^amazon\.nova-2-lite/, 'text'],
  [/^amazon\.nova-canvas/, 'image'],
  [/^amazon\.titan-image-generator/, 'image'],
  [/^amazon\.titan-embed-text-v1$/, 'embedding'],
  [/^amazon\.titan-embed-text-v2:0$/, 'embedding'],
];

export const INVALID_MODEL = 'The provided model identifier is invalid.';

/** Resolves a decoded model id, or throws ValidationException for an unknown one. */
export function resolveModel(id: string): ResolvedModel {
  let baseId = ARN.exec(id)?.[1] ?? id;
  baseId = PROFILE.exec(baseId)?.[1] ?? baseId;
  const family = FAMILIES.find(([pattern]) => pattern.test(baseId))?.[1];
  if (!family) throw invalid(INVALID_MODEL);
  return { id, baseId, family };
}

