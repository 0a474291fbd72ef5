/**
 * How a grant compares with what a manifest requests: a grant never exceeds the request
 * (checked at enable time), and an upgrade keeps the part the new version still asks for.
 * What a grant allows of each bridge call is each capability's own (capabilities/).
 */
import type { Permissions } from '@easel/sdk';
import { TIERS } from '../models/types.ts';

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
