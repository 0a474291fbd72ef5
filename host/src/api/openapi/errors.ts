/**
 * Error answers as route response schemas: every error leaves in Fastify's shape
 * `{statusCode, code, error, message, details?}` (error-handler.ts), so a route's possible
 * codes become one response per HTTP status, the codes of that status listed in its
 * description and as the `code` enum. The enum is documentation: serialization never
 * checks it, so an answer is never broken by a code missing here.
 */
import { STATUS_CODES } from 'node:http';
import { ERROR_TABLE, type ErrorCode } from '../../errors/index.ts';

/** The error body, with the codes it may carry. */
export function errorBody(codes: readonly ErrorCode[]) {
  return {
    type: 'object',
    required: ['statusCode', 'code', 'error', 'message'],
    additionalProperties: false,
    properties: {
      statusCode: { type: 'integer', description: 'the HTTP status, again' },
      code: { type: 'string', enum: [...codes], description: 'a stable code of the error table (docs/reference/errors.md)' },
      error: { type: 'string', description: "the status's reason phrase" },
      message: { type: 'string', description: 'what went wrong, for people' },
      details: { type: 'object', additionalProperties: true, description: 'what the code documents: problems with their JSON paths, retryAfterMs, the executionId of a failed execution…' },
    },
  } as const;
}

/** One response per status for `codes`: `{404: {description, content: {'application/json': {schema}}}}`. */
export function errorResponses(codes: Iterable<ErrorCode>) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const { status } = ERROR_TABLE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const out: Record<number, { description: string; content: { 'application/json': { schema: ReturnType<typeof errorBody> } } }> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const sorted = list.sort();
    out[status] = {
      description: `${STATUS_CODES[status] ?? 'Error'}: ${sorted.map((code) => `\`${code}\` (${firstSentence(ERROR_TABLE[code].meaning)})`).join('; ')}`,
      content: { 'application/json': { schema: errorBody(sorted) } },
    };
  }
  return out;
}

function firstSentence(text: string): string {
  const cut = text.search(/[;.](\s|$)/);
  return (cut < 0 ? text : text.slice(0, cut)).replace(/`/g, '');
}

/** What any failed execution of plugin code can end with (agent calls, workflow runs, plugin routes). */
export const EXECUTION_FAILURES: readonly ErrorCode[] = [
  'PLUGIN_NOT_FOUND',
  'PLUGIN_DISABLED',
  'PLUGIN_MODIFIED',
  'PLUGIN_QUARANTINED',
  'PLUGIN_LOAD_FAILED',
  'DEPENDENCY_DISABLED',
  'INPUT_INVALID',
  'INPUT_TOO_LARGE',
  'USER_ID_INVALID',
  'OUTPUT_INVALID',
  'OUTPUT_TOO_LARGE',
  'PLUGIN_ERROR',
  'RESOURCE_NOT_FOUND',
  'REQUEST_REJECTED',
  'PERMISSION_DENIED',
  'NOT_AVAILABLE',
  'KV_KEY_INVALID',
  'KV_VALUE_TOO_LARGE',
  'KV_QUOTA_EXCEEDED',
  'BRIDGE_ARGUMENT_INVALID',
  'BRIDGE_BUSY',
  'BRIDGE_RESULT_TOO_LARGE',
  'EXECUTION_TIMEOUT',
  'EXECUTION_MEMORY',
  'EXECUTION_ABORTED',
  'EXECUTION_CANCELLED',
  'PLUGIN_DRAIN_TIMEOUT',
  'SANDBOX_CRASHED',
  'SANDBOX_UNAVAILABLE',
  'MODEL_REQUEST_INVALID',
  'MODEL_NOT_FOUND',
  'MODEL_NO_CANDIDATE',
  'MODELS_COOLING',
  'MODEL_QUOTA_EXHAUSTED',
  'MODEL_CALL_FAILED',
  'MODEL_OUTPUT_INVALID',
  'MODEL_STREAM_BROKEN',
  'BUDGET_EXCEEDED',
  'STORAGE_UNAVAILABLE',
  'STORAGE_KEY_INVALID',
  'STORAGE_OBJECT_TOO_LARGE',
  'STORAGE_QUOTA_EXCEEDED',
  'STORAGE_CORRUPT',
  'AGENT_CALL_REFUSED',
  'KEY_CONCURRENCY_LIMITED',
  'EXECUTIONS_BUSY',
  'HOST_RESTARTED',
];
