/**
 * `@easel/sdk/testing`: run a plugin's handlers in unit tests without a host, under
 * `node --test` or vitest.
 * - `createTestContext`: a `ctx` for calling handler functions directly;
 * - `testPlugin`: a definition's handlers by name, with the manifest's schema checks;
 * - `runPacked`: the packed script in a real isolate, with the manifest's limits.
 * All three answer `ctx` calls the way a host does (grants, argument checks, kv, storage,
 * models scripted or from the Bedrock emulator, agent stubs) and record every call.
 */
export { createTestContext, testPlugin, type TestContext, type TestContextOptions } from './direct.ts';
export { runPacked, loadManifest, snapshotDisabled } from './packed.ts';
export type { PluginHarness } from './harness.ts';
export type { CallOptions } from './runner.ts';
export type { ManifestInput, TestOptions } from './setup.ts';
export { EaselError, modelError, type Problem, type TestErrorCode } from './errors.ts';
export type { AgentStub, AgentStubs, StubCall } from './agents.ts';
export { DEFAULT_TEXT, type Script, type ScriptedModels } from './models/scripted.ts';
export type { EmulatorModels } from './models/emulator.ts';
export { DEFAULT_TEST_MODELS } from './models/defaults.ts';
export type { EmbedRequest, ImageCall, StructuredRequest } from './models/types.ts';
export type { LogLine, ProgressLine, Recorded, RecordedAgentCall, RecordedCall, RecordedModels, RecordedPut } from './recorded.ts';
export type { StorageLocation, StoredObject } from './storage.ts';
