/**
 * Every error code the host answers with: HTTP status, meaning and how to fix.
 * Codes are stable and never reused; docs/reference/errors.md mirrors this table and a
 * test fails when the two drift apart.
 */
export const ERROR_TABLE = {
  AUTH_REQUIRED: { status: 401, meaning: 'No `Authorization: Bearer <key>` header was sent', fix: 'Send an API key' },
  AUTH_INVALID: { status: 401, meaning: 'The API key is unknown or revoked', fix: 'Use a valid key' },
  FORBIDDEN: { status: 403, meaning: "The key's role may not use this route", fix: 'Use a key with the right role (admin or app)' },
  REQUEST_INVALID: { status: 400, meaning: 'The request body, query or parameters do not match the route schema', fix: 'Correct the fields named in `details`' },
  REQUEST_TOO_LARGE: { status: 413, meaning: 'The request body is bigger than `EASEL_BODY_MAX_BYTES`', fix: 'Send less, or raise the limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'The request body has a content type this route does not take', fix: 'Send `application/json` (or `application/gzip` for uploads)' },
  ROUTE_NOT_FOUND: { status: 404, meaning: 'No route matches the method and path', fix: 'Check the API reference' },
  BUNDLE_INVALID: { status: 400, meaning: 'The uploaded tarball is not a safe, well-formed Easel bundle', fix: 'Rebuild it with `easel pack`; `details.problems` lists what is wrong' },
  BUNDLE_TOO_LARGE: { status: 413, meaning: 'The uploaded tarball is bigger than `EASEL_BUNDLE_MAX_BYTES`', fix: 'Make the bundle smaller or raise the limit' },
  MANIFEST_INVALID: { status: 400, meaning: 'plugin.json does not match plugin.schema.json', fix: 'Fix each problem in `details.problems` (JSON path and message)' },
  ENGINE_INCOMPATIBLE: { status: 400, meaning: "The plugin's `engines.easel` range does not include this host's API version", fix: 'Build the plugin for this host version' },
  PLUGIN_NOT_FOUND: { status: 404, meaning: 'No plugin of that name is installed', fix: 'Install it first, or check the name' },
  AGENT_NOT_FOUND: { status: 404, meaning: 'The plugin has no agent or capability of that name', fix: 'List agents with `GET /v1/agents`' },
  EXECUTION_NOT_FOUND: { status: 404, meaning: 'No execution with that id', fix: 'Check the id' },
  PLUGIN_DISABLED: { status: 409, meaning: 'The plugin is installed but not enabled', fix: 'Enable it with `POST /v1/plugins/:name/enable`' },
  PLUGIN_LOAD_FAILED: { status: 422, meaning: "The plugin's script failed to load in its isolate, or does not define a handler its manifest lists", fix: 'Fix the plugin; `message` has its error' },
  GRANT_INVALID: { status: 400, meaning: 'The grant asks for a permission the manifest does not request', fix: 'Grant only what `permissions` in the manifest lists' },
  PLUGIN_CONFIG_INVALID: { status: 400, meaning: "The configuration does not match the plugin's `config` schema", fix: 'Fix the fields named in `details.problems`' },
  INPUT_INVALID: { status: 400, meaning: "The input does not match the capability's input schema", fix: 'Fix the fields named in `details.problems`' },
  OUTPUT_INVALID: { status: 502, meaning: "The plugin returned output that does not match the capability's output schema", fix: "A bug in the plugin: report it to its author" },
  OUTPUT_TOO_LARGE: { status: 502, meaning: 'The plugin returned more than `EASEL_SANDBOX_MAX_PAYLOAD_BYTES`', fix: 'A bug in the plugin, or raise the limit' },
  PLUGIN_ERROR: { status: 502, meaning: 'The plugin threw an error; `message` carries its message', fix: 'A bug in the plugin or bad input it did not check' },
  PERMISSION_DENIED: { status: 403, meaning: 'The plugin called a capability it was not granted', fix: 'Grant the permission when enabling, if the manifest asks for it' },
  NOT_AVAILABLE: { status: 501, meaning: 'The capability is not available on this host yet', fix: 'Wait for a host version that provides it' },
  KV_KEY_INVALID: { status: 400, meaning: 'A kv key is empty, longer than `EASEL_KV_MAX_KEY_LENGTH` or has control characters', fix: 'Use short keys of printable characters' },
  KV_VALUE_TOO_LARGE: { status: 413, meaning: 'A kv value is bigger than `EASEL_KV_MAX_VALUE_BYTES`', fix: 'Store less per key' },
  KV_QUOTA_EXCEEDED: { status: 507, meaning: 'The plugin already holds `EASEL_KV_MAX_KEYS_PER_PLUGIN` kv keys', fix: 'Delete keys, or raise the limit' },
  BRIDGE_ARGUMENT_INVALID: { status: 400, meaning: 'A bridge call carried arguments of the wrong type or size', fix: 'A bug in the plugin' },
  BRIDGE_BUSY: { status: 429, meaning: 'A call has more bridge calls in flight than `EASEL_SANDBOX_MAX_PENDING_BRIDGE_CALLS`', fix: 'Await bridge calls before starting more' },
  EXECUTION_TIMEOUT: { status: 504, meaning: 'The call ran past its CPU or wall-clock budget and was stopped', fix: 'Make the handler faster or ask for a larger `limits.timeoutMs`' },
  EXECUTION_MEMORY: { status: 502, meaning: "The call exhausted the isolate's memory limit and was stopped", fix: 'Use less memory or ask for a larger `limits.memoryMb`' },
  EXECUTION_ABORTED: { status: 503, meaning: "Another call broke the plugin's isolate (timeout or memory) while this one was in it", fix: 'Retry' },
  SANDBOX_CRASHED: { status: 503, meaning: 'The sandbox worker process died during the call; it has been restarted', fix: 'Retry; a plugin that keeps crashing it is quarantined' },
  PLUGIN_QUARANTINED: { status: 503, meaning: 'The plugin crashed its sandbox worker too often and is quarantined', fix: 'Disable and enable it again after fixing it' },
  INPUT_TOO_LARGE: { status: 413, meaning: "The call's input or configuration, as JSON, is bigger than the sandbox payload limit", fix: 'Send less, or raise `EASEL_SANDBOX_MAX_PAYLOAD_BYTES`' },
  BRIDGE_RESULT_TOO_LARGE: { status: 502, meaning: "A bridge call's answer, as JSON, is bigger than the sandbox payload limit", fix: 'Ask for less per call (a smaller list limit, a smaller value)' },
  SANDBOX_UNAVAILABLE: { status: 503, meaning: 'The sandbox is shutting down or could not start', fix: 'Retry later' },
  INTERNAL_ERROR: { status: 500, meaning: 'An unexpected error in the host', fix: 'Report it with the request id' },
} as const satisfies Record<string, { status: number; meaning: string; fix: string }>;

export type ErrorCode = keyof typeof ERROR_TABLE;
