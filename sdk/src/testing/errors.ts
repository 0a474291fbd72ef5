/**
 * The one error the test kit throws: a host error code, the host's message and, where the
 * host gives them, details (`problems` with JSON paths). Plugin code sees the code and the
 * message only, as it does on a host.
 */

/**
 * The codes the kit answers with; each means what it means on a host (docs/reference/errors.md).
 *
 * @example
 * ```ts
 * const expected: TestErrorCode = 'PERMISSION_DENIED';
 * await assert.rejects(ctx.kv.get('k'), { code: expected });
 * ```
 */
export type TestErrorCode =
  | 'AGENT_CALL_REFUSED'
  | 'BUNDLE_INVALID'
  | 'BUNDLE_TOO_LARGE'
  | 'AGENT_NOT_FOUND'
  | 'BLOB_NOT_FOUND'
  | 'BRIDGE_ARGUMENT_INVALID'
  | 'BRIDGE_BUSY'
  | 'BRIDGE_RESULT_TOO_LARGE'
  | 'CALL_ENDED'
  | 'DEPENDENCY_DISABLED'
  | 'EXECUTION_ABORTED'
  | 'EXECUTION_CANCELLED'
  | 'EXECUTION_MEMORY'
  | 'EXECUTION_TIMEOUT'
  | 'GRANT_INVALID'
  | 'INPUT_INVALID'
  | 'INPUT_TOO_LARGE'
  | 'INTERNAL_ERROR'
  | 'KV_KEY_INVALID'
  | 'KV_QUOTA_EXCEEDED'
  | 'KV_VALUE_TOO_LARGE'
  | 'MANIFEST_INVALID'
  | 'MODEL_CALL_FAILED'
  | 'MODEL_OUTPUT_INVALID'
  | 'MODEL_REQUEST_INVALID'
  | 'NODE_SNAPSHOT_ENABLED'
  | 'OUTPUT_INVALID'
  | 'OUTPUT_TOO_LARGE'
  | 'PERMISSION_DENIED'
  | 'PLUGIN_CONFIG_INVALID'
  | 'PLUGIN_ERROR'
  | 'PLUGIN_LOAD_FAILED'
  | 'REQUEST_REJECTED'
  | 'RESOURCE_NOT_FOUND'
  | 'SANDBOX_UNAVAILABLE'
  | 'STORAGE_KEY_INVALID'
  | 'STORAGE_OBJECT_TOO_LARGE'
  | 'STORAGE_QUOTA_EXCEEDED'
  | 'WORKFLOW_NOT_FOUND';

/**
 * A schema finding: a JSON pointer (`/` is the root) and what is wrong there.
 *
 * @example
 * ```ts
 * const err = await plugin.invoke('greeter', 'greet', {}).catch((e: EaselError) => e);
 * const problems: Problem[] = err.details?.problems ?? []; // [{ path: '/', message: "must have required property 'name'" }]
 * ```
 */
export interface Problem {
  path: string;
  message: string;
}

/**
 * An error with a host error code. Handlers see it when a `ctx` call fails; tests see it when
 * a call through `testPlugin` or `runPacked` fails (`details.problems` for schema failures).
 *
 * @example
 * ```ts
 * await assert.rejects(plugin.invoke('greeter', 'greet', {}), { code: 'INPUT_INVALID' });
 * try {
 *   await plugin.invoke('greeter', 'greet', { name: 42 });
 * } catch (err) {
 *   if (err instanceof EaselError) console.log(err.code, err.details?.problems);
 * }
 * ```
 */
export class EaselError extends Error {
  readonly code: string;
  readonly details: { problems?: Problem[]; [key: string]: unknown } | undefined;

  constructor(code: TestErrorCode | (string & {}), message: string, details?: { problems?: Problem[]; [key: string]: unknown }) {
    super(message);
    this.name = 'EaselError';
    this.code = code;
    this.details = details;
  }
}

/**
 * An error for a scripted model answer (or an agent stub) to throw: plugin code sees `code`
 * and `message`, as when a host's model call fails.
 *
 * @example
 * ```ts
 * const { ctx } = createTestContext({
 *   manifest,
 *   models: { text: [modelError('MODEL_CALL_FAILED', 'every candidate model failed')] },
 * });
 * ```
 */
export function modelError(code: TestErrorCode | (string & {}), message: string): EaselError {
  return new EaselError(code, message);
}

/** Longest message a plugin error keeps (the host cuts at the same length). */
const MAX_MESSAGE = 1000;

/** Text a plugin (or an author's stub) may have shaped, cut as the host cuts it. */
export function cut(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/** The message of anything thrown: `message` of an object, else the value as text. */
export function messageOf(thrown: unknown): string {
  try {
    if (thrown !== null && (typeof thrown === 'object' || typeof thrown === 'function')) return cut(String((thrown as { message?: unknown }).message));
    return cut(String(thrown));
  } catch {
    return 'plugin error';
  }
}

/** The `code` of an error that carries one as a string. */
export function codeOf(thrown: unknown): string | undefined {
  const code = thrown !== null && typeof thrown === 'object' ? (thrown as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** ajv's findings as JSON-pointer problems ('' becomes '/'), as the host reports them. */
export function problemsOf(errors: readonly { instancePath: string; message?: string; keyword: string; params: unknown }[] | null | undefined): Problem[] {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` '${String((e.params as { additionalProperty?: unknown }).additionalProperty)}'` : '';
    return { path: e.instancePath === '' ? '/' : e.instancePath, message: `${e.message ?? 'is invalid'}${extra}` };
  });
}
