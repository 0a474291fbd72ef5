/**
 * What a grant lets a call do, decided at call time as the host decides it: nothing is
 * allowed unless the grant names it. The grant a test runs with is the manifest's
 * `permissions` (an admin who approved everything) unless the test narrows it.
 */
import type { ModelTask, ModelTier, Permissions } from '../manifest.ts';
import { EaselError } from './errors.ts';

const TIER_ORDER: readonly ModelTier[] = ['basic', 'standard', 'premium'];
const rank = (tier: unknown): number => TIER_ORDER.indexOf(tier as ModelTier);

/** The task each `ctx.models` operation belongs to (the stream steps are text). */
const TASK_BY_OP: Readonly<Record<string, ModelTask>> = { text: 'text', streamText: 'text', streamNext: 'text', streamClose: 'text', structured: 'structured', image: 'image', embed: 'embedding' };

const STORAGE_READS = new Set(['get', 'head', 'list', 'url']);

type Rule = (grant: Permissions, op: string, args: Record<string, unknown>) => boolean;

const RULES: Readonly<Record<string, Rule>> = {
  log: () => true,
  progress: () => true,
  // The plugin's own agents are always callable; other plugins' are checked by agent-rules.ts.
  agents: () => true,
  kv: (grant) => grant.kv === true,
  storage: (grant, op) => (STORAGE_READS.has(op) ? grant.storage?.read : grant.storage?.write) === true,
  models: (grant, op, args) => {
    const granted = grant.models;
    if (!granted || granted.tasks.length === 0) return false;
    const task = Object.hasOwn(TASK_BY_OP, op) ? TASK_BY_OP[op] : undefined;
    if (task !== undefined && !granted.tasks.includes(task)) return false;
    // A premium image is billed as the premium tier, whichever field asks for it.
    const asked = op === 'image' && args.quality === 'premium' ? 'premium' : (args.tier ?? 'basic');
    // A tier that is no tier is the capability's to refuse as invalid, not a denial.
    return rank(asked) < 0 || rank(asked) <= rank(granted.maxTier);
  },
};

/** Whether `grant` allows `capability.op` with these arguments (tiers matter for models). */
export function allows(grant: Permissions, capability: string, op: string, args: Record<string, unknown>): boolean {
  const rule = Object.hasOwn(RULES, capability) ? RULES[capability] : undefined;
  return rule !== undefined && rule(grant, op, args);
}

/** The grant a test runs with: `asked`, refused with GRANT_INVALID where it passes what the manifest requests. */
export function checkedGrant(asked: Permissions | undefined, requested: Permissions | undefined): Permissions {
  const manifest = requested ?? {};
  if (asked === undefined) return manifest;
  const over: string[] = [];
  if (asked.kv && !manifest.kv) over.push('/kv');
  for (const side of ['read', 'write'] as const) if (asked.storage?.[side] && !manifest.storage?.[side]) over.push(`/storage/${side}`);
  if (asked.models) {
    for (const task of asked.models.tasks) if (!manifest.models?.tasks.includes(task)) over.push(`/models/tasks/${task}`);
    if (rank(asked.models.maxTier) > rank(manifest.models?.maxTier)) over.push('/models/maxTier');
  }
  for (const agent of asked.agents ?? []) if (!manifest.agents?.includes(agent)) over.push(`/agents/${agent}`);
  if (over.length > 0) {
    throw new EaselError('GRANT_INVALID', `the grant asks for what the manifest does not request: ${over.join(', ')}`, {
      problems: over.map((path) => ({ path, message: 'is not requested by the manifest' })),
    });
  }
  return asked;
}
