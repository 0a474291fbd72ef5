/**
 * Who a plugin may call through `ctx.agents.invoke`: its own agents, and the agents of
 * plugins it declares in `dependencies` that are installed, enabled and in range, and that
 * the admin granted it (`permissions.agents`, as `plugin/agent`). Pure functions over the
 * installed plugins, so the rules read (and test) on their own.
 */
import semver from 'semver';
import type { Permissions } from '@easel/sdk';
import { EaselError } from '../errors/index.ts';
import type { InstalledPlugin } from '../store/index.ts';

const NAME = /^[a-z0-9][a-z0-9._-]{0,213}$/;
const TYPE = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface AgentTarget {
  plugin: string;
  agent: string;
}

/**
 * `plugin/agent`, or a bare `agent`: the caller's own, else the one declared dependency that
 * has an agent of that type.
 */
export function resolveAgentRef(caller: InstalledPlugin, ref: unknown, installed: ReadonlyMap<string, InstalledPlugin>): AgentTarget {
  if (typeof ref !== 'string' || ref.length > 300) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: 'the agent must be a string: "agent" or "plugin/agent"' });
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const plugin = ref.slice(0, slash);
    const agent = ref.slice(slash + 1);
    if (!NAME.test(plugin) || !TYPE.test(agent)) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `"${ref.slice(0, 100)}" is not "plugin/agent"` });
    return { plugin, agent };
  }
  if (!TYPE.test(ref)) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `"${ref.slice(0, 100)}" is not an agent type` });
  if (caller.manifest.agents.some((a) => a.type === ref)) return { plugin: caller.name, agent: ref };
  const offering = Object.keys(caller.manifest.dependencies ?? {}).filter((name) => installed.get(name)?.manifest.agents.some((a) => a.type === ref));
  if (offering.length === 1) return { plugin: offering[0]!, agent: ref };
  if (offering.length > 1) throw new EaselError('BRIDGE_ARGUMENT_INVALID', { reason: `several dependencies have an agent ${ref} (${offering.join(', ')}): name one as "plugin/${ref}"` });
  throw new EaselError('AGENT_NOT_FOUND', { agent: ref, plugin: `${caller.name} or its dependencies` });
}

/**
 * Why `caller` may not call `target`'s agent, or undefined when it may: `permission` when the
 * manifest or the grant does not allow the call, `dependency` when a declared dependency is not
 * installed, disabled or out of range (an admin can fix that without touching the grant).
 */
export function refusal(caller: InstalledPlugin, grant: Permissions, target: AgentTarget, installed: ReadonlyMap<string, InstalledPlugin>): { kind: 'permission' | 'dependency'; why: string } | undefined {
  if (target.plugin === caller.name) return undefined;
  const dependencies = caller.manifest.dependencies ?? {};
  const range = Object.hasOwn(dependencies, target.plugin) ? dependencies[target.plugin] : undefined;
  if (range === undefined) return { kind: 'permission', why: `${target.plugin} is not a dependency of ${caller.name}` };
  if (!(grant.agents ?? []).includes(`${target.plugin}/${target.agent}`)) return { kind: 'permission', why: `${caller.name} was not granted ${target.plugin}/${target.agent}` };
  const found = installed.get(target.plugin);
  if (!found) return { kind: 'dependency', why: `${target.plugin} is not installed` };
  if (!found.enabled) return { kind: 'dependency', why: `${target.plugin} is disabled` };
  if (!semver.satisfies(found.version, range)) return { kind: 'dependency', why: `${target.plugin}@${found.version} is outside ${caller.name}'s range ${range}` };
  return undefined;
}
