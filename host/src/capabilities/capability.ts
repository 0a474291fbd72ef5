/**
 * One capability, one module: what a grant allows of it, and its handler. The bridge handler
 * (index.ts) resolves the call context once per bridge call and hands it to the capability,
 * so adding one (say an allow-listed `ctx.fetch`) is a module like the others and one line in
 * the registration.
 */
import type { Permissions } from '@easel/sdk';
import type { CallScope } from '../calls/index.ts';
import { EaselError } from '../errors/index.ts';
import type { BridgeCaller } from '../sandbox/index.ts';

/** What a capability knows of the bridge call it serves, resolved once by the bridge handler. */
export interface CallContext {
  /** Plugin, version, execution and step, as the sandbox bound them: never from guest input. */
  caller: BridgeCaller;
  /** The plugin's grant, read once for this bridge call (the one `allows` was asked about). */
  grant: Permissions;
  /** The call's scope (app, user, config, abort signal, cleanups); undefined once the call has ended. */
  scope: CallScope | undefined;
}

export interface Capability {
  /** `ctx.<name>` in plugin code. */
  readonly name: string;
  /**
   * Whether `grant` allows `op` with `args`; asked before `handle`, and a refusal is audited.
   * An operation the capability does not have is allowed here and refused by `handle` as invalid.
   */
  allows(grant: Permissions, op: string, args: Record<string, unknown>): boolean;
  handle(call: CallContext, op: string, args: Record<string, unknown>, bytes: Buffer | undefined): Promise<unknown>;
  /** May an estimate hook (a workflow preview, which calls no model and no agent) use it? Default no. */
  readonly inPreview?: boolean;
  /** false: its arguments are held to the host's JSON limits elsewhere (a step's input, by its target's schema). */
  readonly jsonLimits?: boolean;
}

export function noSuchOperation(capability: string, op: string): EaselError {
  return new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `${capability} has no operation ${op}` });
}
