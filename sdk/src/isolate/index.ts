/**
 * `@easel/sdk/isolate`: loads a packed plugin script into a V8 isolate (isolated-vm) behind
 * the guest shim, exactly as the host does. The host's sandbox workers, `easel validate` and
 * the test kit's `runPacked` all use it. A process that creates isolates must run Node with
 * `--no-node-snapshot`.
 */
export { PluginIsolate, NO_SCRIPT_CACHE, type BuildOptions, type GuestBridge, type ScriptCache } from './plugin-isolate.ts';
export { expectedHandlers, missingHandlersMessage, type ExpectedHandlers } from './handlers.ts';
export { GUEST_SHIM } from './guest-shim.ts';
export { checkScriptLoads, HOST_DEFAULT_BRIDGE, type LoadCheck } from './load-check.ts';
export { effectiveLimits, HOST_DEFAULT_LIMITS, type SandboxLimitConfig } from './limits.ts';
export { base64AsBytes, bytesAsBase64, checkedLayout, GUEST_ERROR_CODES, outputByteFields, takeByteFields, withByteFields, type ByteLayout } from './byte-fields.ts';
export { inputByteFields, placeInputBytes, sniffImage, splitInputBytes, type ByteProblem, type InputByteField, type SplitInput } from './input-bytes.ts';
export { HOST_DEFAULT_JSON_LIMITS, JSON_DEPTH_CEILING, jsonLimitProblem, jsonTextLimitProblem, type JsonLimitProblem, type JsonLimits } from './json-limits.ts';
export { snapshotDisabled } from './snapshot.ts';
