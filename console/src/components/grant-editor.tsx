/**
 * Choosing a grant: of what a plugin asks for (its manifest's `permissions`), which parts the
 * admin allows. Nothing more than it asks can be chosen; the host refuses more anyway.
 */
export interface Permissions {
  kv?: boolean;
  storage?: { read?: boolean; write?: boolean };
  models?: { tasks: string[]; maxTier: string };
  agents?: string[];
}

const TIERS = ['basic', 'standard', 'premium'];

/** Drops empty parts so the host sees exactly what was chosen. */
export function tidyGrant(g: Permissions): Permissions {
  const out: Permissions = {};
  if (g.kv) out.kv = true;
  if (g.storage && (g.storage.read || g.storage.write)) out.storage = { ...(g.storage.read ? { read: true } : {}), ...(g.storage.write ? { write: true } : {}) };
  if (g.models && g.models.tasks.length > 0) out.models = { tasks: g.models.tasks, maxTier: g.models.maxTier };
  if (g.agents && g.agents.length > 0) out.agents = g.agents;
  return out;
}

export function describePermissions(p: Permissions | null | undefined): string[] {
  if (!p) return [];
  const out: string[] = [];
  if (p.kv) out.push('key-value store');
  if (p.storage?.read || p.storage?.write) out.push(`blob storage (${[p.storage.read && 'read', p.storage.write && 'write'].filter(Boolean).join(', ')})`);
  if (p.models) out.push(`models: ${p.models.tasks.join(', ')} up to ${p.models.maxTier}`);
  if (p.agents?.length) out.push(`calls agents: ${p.agents.join(', ')}`);
  return out;
}

export function PermissionList({ permissions, none = 'nothing' }: { permissions: Permissions | null | undefined; none?: string }) {
  const items = describePermissions(permissions);
  if (items.length === 0) return <span class="muted">{none}</span>;
  return (
    <ul class="permissions">
      {items.map((i) => (
        <li>{i}</li>
      ))}
    </ul>
  );
}

export function GrantEditor({ requested, value, onChange, idPrefix }: { requested: Permissions; value: Permissions; onChange(g: Permissions): void; idPrefix: string }) {
  const asked = describePermissions(requested);
  if (asked.length === 0) return <p class="muted">It asks for no permissions.</p>;
  const toggle = (list: string[] | undefined, item: string, on: boolean) => (on ? [...new Set([...(list ?? []), item])] : (list ?? []).filter((x) => x !== item));
  const maxTierIndex = TIERS.indexOf(requested.models?.maxTier ?? 'basic');
  return (
    <div class="grant-editor" data-grant-editor={idPrefix}>
      <div class="presets">
        <button type="button" class="secondary" onClick={() => onChange(structuredClone(requested))}>
          Grant all it asks
        </button>
        <button type="button" class="secondary" onClick={() => onChange({})}>
          Grant nothing
        </button>
      </div>
      {requested.kv && (
        <label class="check">
          <input type="checkbox" name="kv" checked={!!value.kv} onChange={(e) => onChange({ ...value, kv: (e.target as HTMLInputElement).checked })} />
          key-value store
        </label>
      )}
      {(['read', 'write'] as const)
        .filter((k) => requested.storage?.[k])
        .map((k) => (
          <label class="check">
            <input
              type="checkbox"
              name={`storage-${k}`}
              checked={!!value.storage?.[k]}
              onChange={(e) => onChange({ ...value, storage: { ...value.storage, [k]: (e.target as HTMLInputElement).checked } })}
            />
            blob storage: {k}
          </label>
        ))}
      {requested.models && (
        <div class="grant-models">
          {requested.models.tasks.map((task) => (
            <label class="check">
              <input
                type="checkbox"
                name={`model-${task}`}
                checked={!!value.models?.tasks.includes(task)}
                onChange={(e) =>
                  onChange({ ...value, models: { tasks: toggle(value.models?.tasks, task, (e.target as HTMLInputElement).checked), maxTier: value.models?.maxTier ?? requested.models!.maxTier } })
                }
              />
              model task: {task}
            </label>
          ))}
          <label>
            highest model tier{' '}
            <select
              name="maxTier"
              value={value.models?.maxTier ?? requested.models.maxTier}
              onChange={(e) => onChange({ ...value, models: { tasks: value.models?.tasks ?? [], maxTier: (e.target as HTMLSelectElement).value } })}
            >
              {TIERS.slice(0, maxTierIndex + 1).map((t) => (
                <option value={t}>{t}</option>
              ))}
            </select>
          </label>
        </div>
      )}
      {requested.agents?.map((agent) => (
        <label class="check">
          <input type="checkbox" name={`agent-${agent}`} checked={!!value.agents?.includes(agent)} onChange={(e) => onChange({ ...value, agents: toggle(value.agents, agent, (e.target as HTMLInputElement).checked) })} />
          call agent {agent}
        </label>
      ))}
    </div>
  );
}
