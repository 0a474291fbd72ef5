/**
 * Pieces every route schema uses: the error answer, path parameters, the security
 * requirements of the auth hooks, and `ref()` to the shared schemas (registered once with
 * `addSchema`, shown as `components.schemas` in the OpenAPI document).
 */
import { ERROR_TABLE } from '../../errors/index.ts';

/** A shared schema by its `$id` (registered by `addSharedSchemas`). */
export const ref = (id: string) => ({ $ref: `${id}#` }) as const;

/** `{statusCode, code, error, message, details?}`; `error` repeats the message (npm prints it). */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'An error answer; the codes are in docs/reference/registry.md',
  required: ['statusCode', 'code', 'error', 'message'],
  additionalProperties: false,
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(ERROR_TABLE) },
    error: { type: 'string', description: 'The message again: npm prints `error` after the status line' },
    message: { type: 'string' },
    details: { type: 'object', additionalProperties: true, description: 'What the code says more about, such as `problems` (JSON path and message)' },
  },
} as const;

/** The error answers every route may give (auth, validation, not found, busy, internal). */
export const errorResponses = {
  '4xx': { description: 'Refused: the request, its token or its target', ...ref('Error') },
  '5xx': { description: 'The registry is stopping or busy (`Retry-After`), or failed', ...ref('Error') },
} as const;

export const nameParam = {
  type: 'string',
  description: 'A package name; the `/` of a scoped name may be sent as is or as `%2f` (`@scope%2fname`)',
} as const;

export const versionParam = { type: 'string', description: 'A version number (or, where it says so, a dist-tag)' } as const;

/** The auth hooks as OpenAPI security requirements. */
export const security = {
  /** `auth.optional`: anonymous, or a valid token (a bad token is refused all the same). */
  optional: [{}, { bearer: [] }],
  /** `auth.any`, `auth.writer` and `auth.admin`. */
  bearer: [{ bearer: [] }],
  basic: [{ basic: [] }],
  basicOrBearer: [{ basic: [] }, { bearer: [] }],
  none: [],
} as const;

/** `{ok: true, id}`: what npm's write routes answer. */
export const okIdSchema = {
  type: 'object',
  required: ['ok', 'id'],
  additionalProperties: false,
  properties: { ok: { type: 'boolean', const: true }, id: { type: 'string', description: 'The package name' } },
} as const;

export const distTagsSchema = {
  type: 'object',
  description: 'dist-tag -> version',
  additionalProperties: { type: 'string' },
} as const;
