/**
 * Whether a granted permission set allows a bridge call. Grants are always a subset of what
 * the manifest requested (checked at enable time), so the grant alone decides here.
 */
import type { ModelTask, ModelTier, Permissions } from '@easel/sdk';
import { TIERS } from '../models/types.ts';

/** The task a `ctx.models` operation performs (stream steps belong to text). */
export const MODEL_TASK_OF: Record<string, ModelTask> = {
  text: 'text',
  streamText: 'text',
  streamNext: 'text',
  streamClose: 'text',
  structured: 'structured',
  image: 'image',
  embed: 'embedding',
};

/** `args` matter for models only: the task must be granted and the tier asked for within the grant. */
export function allows(grant: Permissions, capability: string, op: string, args: Record<string, unknown> = {}): boolean {
  switch (capability) {
    case 'log':
    case 'progress':
      return true;
    case 'kv':
      return grant.kv === true;
    case 'storage':
      return ['get', 'head', 'list', 'url'].includes(op) ? grant.storage?.read === true : grant.storage?.write === true;
    case 'models': {
      const models = grant.models;
      if (!models || models.tasks.length === 0) return false;
      // Unknown operations and malformed tiers are the capability's to refuse as invalid.
      const task = Object.hasOwn(MODEL_TASK_OF, op) ? MODEL_TASK_OF[op] : undefined;
      if (task && !models.tasks.includes(task)) return false;
      // A premium image costs what the premium tier does, whichever field asks for it.
      const tier = op === 'image' && args.quality === 'premium' ? 'premium' : (args.tier ?? 'basic');
      return !TIERS.includes(tier as ModelTier) || TIERS.indexOf(tier as ModelTier) <= TIERS.indexOf(models.maxTier);
    }
    case 'agents':
      // A plugin may always call its own agents; calls to other plugins are checked, against
      // the grant's `agents` list and the dependency ranges, by orchestration/call-rules.ts.
      return true;
    default:
      return false;
  }
}

/** True when `grant` asks for nothing beyond `requested`; returns the offending paths otherwise. */
export function exceeds(grant: Permissions, requested: Permissions): string[] {
  const over: string[] = [];
  if (grant.kv && !requested.kv) over.push('/kv');
  if (grant.storage?.read && !requested.storage?.read) over.push('/storage/read');
  if (grant.storage?.write && !requested.storage?.write) over.push('/storage/write');
  if (grant.models) {
    if (!requested.models) over.push('/models');
    else {
      for (const task of grant.models.tasks) if (!requested.models.tasks.includes(task)) over.push(`/models/tasks/${task}`);
      if (TIERS.indexOf(grant.models.maxTier) > TIERS.indexOf(requested.models.maxTier)) over.push('/models/maxTier');
    }
  }
  for (const agent of grant.agents ?? []) if (!requested.agents?.includes(agent)) over.push(`/agents/${agent}`);
  return over;
}

/** The part of `grant` that `requested` still asks for (used when a new version replaces an old one). */
export function intersect(grant: Permissions, requested: Permissions): Permissions {
  const out: Permissions = {};
  if (grant.kv && requested.kv) out.kv = true;
  const read = grant.storage?.read === true && requested.storage?.read === true;
  const write = grant.storage?.write === true && requested.storage?.write === true;
  if (read || write) out.storage = { read, write };
  if (grant.models && requested.models) {
    const tasks = grant.models.tasks.filter((t) => requested.models?.tasks.includes(t));
    const maxTier = TIERS[Math.min(TIERS.indexOf(grant.models.maxTier), TIERS.indexOf(requested.models.maxTier))] ?? 'basic';
    if (tasks.length > 0) out.models = { tasks, maxTier };
  }
  const agents = (grant.agents ?? []).filter((a) => requested.agents?.includes(a));
  if (agents.length > 0) out.agents = agents;
  return out;
}
