/**
 * `ctx.agents` and `ctx.progress`: the capabilities whose work belongs to orchestration (the
 * step runner decides who may call whom and journals each step; progress lines go to the
 * execution's event stream). Orchestration stands above this floor, so it hands its functions in.
 */
import type { BridgeCaller } from '../sandbox/index.ts';
import { noSuchOperation, type Capability } from './capability.ts';

export function agentsCapability(invoke: (caller: BridgeCaller, args: Record<string, unknown>, bytes?: Buffer) => Promise<unknown>): Capability {
  return {
    name: 'agents',
    // A plugin may always call its own agents; calls to other plugins are checked, against
    // the grant's `agents` list and the dependency ranges, by orchestration/call-rules.ts.
    allows: () => true,
    // A step's input is held to the JSON limits by its target's schema check.
    jsonLimits: false,
    async handle({ caller }, op, args, bytes) {
      if (op !== 'invoke') throw noSuchOperation('agents', op);
      return invoke(caller, args, bytes);
    },
  };
}

export function progressCapability(publish: (caller: BridgeCaller, args: Record<string, unknown>) => void): Capability {
  return {
    name: 'progress',
    allows: () => true,
    async handle({ caller }, op, args) {
      if (op !== 'publish') throw noSuchOperation('progress', op);
      publish(caller, args);
      return undefined;
    },
  };
}
