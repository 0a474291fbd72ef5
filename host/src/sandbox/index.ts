/**
 * The sandbox: plugin code runs in V8 isolates inside a pool of worker processes, never in
 * the HTTP process. See supervisor.ts (HTTP side) and worker-main.ts (worker side).
 */
import { Supervisor } from './supervisor.ts';
import type { Sandbox, SandboxOptions } from './types.ts';

export type * from './types.ts';
export { WithBytes } from './bytes.ts';

/**
 * Starts `options.workers` sandbox worker processes and resolves once all are ready.
 * Quarantine (after `quarantineAfterCrashes` crashes blamed on a plugin in `quarantineWindowMs`)
 * lasts `quarantineLiftMs`, or until `liftQuarantine()`, `load()`, `unload()` or the end of a
 * `retire()` drain for that plugin id.
 */
export function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  return Supervisor.start(options);
}
