/**
 * One installed plugin: its version and status (a quarantine with its reason), what it asks
 * for and what is granted, its config edited against its schema, what it depends on and what
 * depends on it, and the actions (enable with a grant, disable, upgrade, uninstall) with the
 * API's dependency warnings.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from './page-props.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { GrantEditor, PermissionList, tidyGrant, type Permissions } from '../components/grant-editor.tsx';
import { Link } from '../components/link.tsx';
import { initialValue, SchemaForm } from '../components/schema-form.tsx';
import { api, ApiError, get } from '../lib/api.ts';
import { bytes, when } from '../lib/format.ts';
import { navigate } from '../lib/router.ts';
import { useLoad } from '../lib/use-api.ts';
import { statusOf } from './plugins.tsx';

interface Detail {
  name: string;
  version: string;
  description: string;
  enabled: boolean;
  integrity: string;
  permissions: Permissions;
  granted: Permissions;
  quarantine: null | { reason: string; since: string; liftsAt: string | null; crashes: { at: string; reason: string; bystanderCalls: number; evidence?: Record<string, number> }[] };
  manifest: any;
  installedAt: string;
  updatedAt: string;
  agents: { type: string; capabilities: string[] }[];
  workflows: string[];
}

async function loadAll(name: string, signal: AbortSignal) {
  const [plugin, list, config] = await Promise.all([
    get<Detail>(`/v1/plugins/${encodeURIComponent(name)}`, undefined, { signal }),
    get<{ plugins: { name: string; version: string; enabled: boolean; quarantine: unknown }[] }>('/v1/plugins', undefined, { signal }),
    get<{ config: Record<string, unknown> }>(`/v1/plugins/${encodeURIComponent(name)}/config`, undefined, { signal }),
  ]);
  // Dependents: the other installed plugins whose manifests name this one.
  const others = await Promise.all(list.plugins.filter((p) => p.name !== name).map((p) => get<Detail>(`/v1/plugins/${encodeURIComponent(p.name)}`, undefined, { signal })));
  const dependents = others.filter((o) => o.manifest?.dependencies?.[name] !== undefined).map((o) => ({ name: o.name, version: o.version, enabled: o.enabled, range: o.manifest.dependencies[name] as string }));
  return { plugin, installed: new Map(list.plugins.map((p) => [p.name, p])), config: config.config, dependents };
}

export function PluginPage({ params }: PageProps) {
  const name = params.name!;
  const { data, error, loading, reload } = useLoad((signal) => loadAll(name, signal), [name]);
  if (error) return <ErrorBox error={error} />;
  if (loading && !data) return <p class="loading">Loading…</p>;
  if (!data) return null;
  const { plugin, installed, config, dependents } = data;
  const status = statusOf(plugin);
  const deps = Object.entries<string>(plugin.manifest.dependencies ?? {});
  return (
    <section data-page="plugin" data-plugin={plugin.name}>
      <p class="crumbs">
        <Link to="/plugins">Plugins</Link> /
      </p>
      <h1>
        {plugin.name} <span class="version">{plugin.version}</span> <span class={`status status-${status}`} data-status={status}>{status}</span>
      </h1>
      <p>{plugin.description}</p>
      {plugin.quarantine && <Quarantine name={plugin.name} quarantine={plugin.quarantine} onLifted={reload} />}
      <dl class="facts">
        <dt>installed</dt>
        <dd>{when(plugin.installedAt)}</dd>
        <dt>updated</dt>
        <dd>{when(plugin.updatedAt)}</dd>
        <dt>host API</dt>
        <dd>
          <code>{plugin.manifest.engines?.easel}</code>
        </dd>
        <dt>integrity</dt>
        <dd>
          <code class="small">{plugin.integrity}</code>
        </dd>
      </dl>

      <Actions plugin={plugin} onChanged={reload} />

      <div class="columns">
        <div>
          <h2>Asks for</h2>
          <PermissionList permissions={plugin.permissions} />
        </div>
        <div data-section="granted">
          <h2>Granted</h2>
          <PermissionList permissions={plugin.granted} none="nothing granted" />
        </div>
      </div>

      <h2>Dependencies</h2>
      {deps.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <ul data-section="dependencies">
          {deps.map(([dep, range]) => {
            const found = installed.get(dep);
            return (
              <li>
                <Link to={`/plugins/${encodeURIComponent(dep)}`}>{dep}</Link> <code>{range}</code>:{' '}
                {found ? `${found.version}, ${statusOf(found)}` : <strong class="warn">not installed</strong>}
              </li>
            );
          })}
        </ul>
      )}
      <h2>Dependents</h2>
      {dependents.length === 0 ? (
        <p class="muted">No installed plugin depends on it.</p>
      ) : (
        <ul data-section="dependents">
          {dependents.map((d) => (
            <li>
              <Link to={`/plugins/${encodeURIComponent(d.name)}`}>{d.name}</Link> {d.version} needs <code>{d.range}</code> ({d.enabled ? 'enabled' : 'disabled'})
            </li>
          ))}
        </ul>
      )}

      <h2>Agents and workflows</h2>
      <ul>
        {plugin.agents.flatMap((a) =>
          a.capabilities.map((c) => (
            <li>
              agent <code>{a.type}</code> / <code>{c}</code> <Link to={`/run?target=${encodeURIComponent(`agent:${plugin.name}/${a.type}/${c}`)}`}>run</Link>
            </li>
          )),
        )}
        {plugin.workflows.map((w) => (
          <li>
            workflow <code>{w}</code> <Link to={`/run?target=${encodeURIComponent(`workflow:${plugin.name}/${w}`)}`}>run</Link>
          </li>
        ))}
      </ul>

      <Config name={plugin.name} schema={plugin.manifest.config} config={config} />
    </section>
  );
}

function Quarantine({ name, quarantine, onLifted }: { name: string; quarantine: NonNullable<Detail['quarantine']>; onLifted(): void }) {
  const [error, setError] = useState<unknown>(null);
  return (
    <div class="quarantine" role="status" data-section="quarantine">
      <h2>Quarantined</h2>
      <p>{quarantine.reason}</p>
      <p>
        Since {when(quarantine.since)}; {quarantine.liftsAt ? `lifts itself at ${when(quarantine.liftsAt)}` : 'until an admin lifts it'}.
      </p>
      {quarantine.crashes.length > 0 && (
        <ul>
          {quarantine.crashes.map((c) => (
            <li>
              {when(c.at)}: {c.reason}
              {c.evidence && Object.keys(c.evidence).length > 0 && ` (${Object.entries(c.evidence).map(([k, v]) => `${k} ${bytes(v)}`).join(', ')})`}
              {c.bystanderCalls > 0 ? ` (${c.bystanderCalls} other calls failed with it)` : ''}
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        onClick={() =>
          api('POST', `/v1/plugins/${encodeURIComponent(name)}/quarantine/lift`).then(onLifted, setError)
        }
      >
        Lift the quarantine
      </button>
      <ErrorBox error={error} />
    </div>
  );
}

function Actions({ plugin, onChanged }: { plugin: Detail; onChanged(): void }) {
  const [grant, setGrant] = useState<Permissions>(() => structuredClone(plugin.enabled ? plugin.granted : plugin.permissions));
  const [range, setRange] = useState('*');
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [confirmUninstall, setConfirmUninstall] = useState(false);
  const [busy, setBusy] = useState(false);
  const path = `/v1/plugins/${encodeURIComponent(plugin.name)}`;
  const run = async (what: () => Promise<string | null>) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const done = await what();
      setMessage(done);
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const inUse = error instanceof ApiError && error.code === 'PLUGIN_IN_USE';
  return (
    <div class="actions-panel" data-section="actions">
      <h2>Actions</h2>
      {!plugin.enabled && (
        <div class="action">
          <h3>Enable with a grant</h3>
          <GrantEditor requested={plugin.permissions} value={grant} onChange={setGrant} idPrefix="enable" />
          <button type="button" disabled={busy} onClick={() => run(async () => (await api('POST', `${path}/enable`, { body: { grant: tidyGrant(grant) } }), 'Enabled.'))}>
            Enable
          </button>
        </div>
      )}
      {plugin.enabled && (
        <div class="action">
          <button type="button" disabled={busy} onClick={() => run(async () => (await api('POST', `${path}/disable`), 'Disabled.'))}>
            Disable
          </button>
          {inUse && error.details?.dependents !== undefined && (
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={() =>
                run(async () => {
                  const answer = await api('POST', `${path}/disable`, { query: { force: true } });
                  const affected = (answer.dependentsAffected ?? []).map((d: any) => d.name).join(', ');
                  return `Disabled anyway; ${affected || 'its dependents'} stay enabled and their calls into it fail with DEPENDENCY_DISABLED until it is enabled again.`;
                })
              }
            >
              Disable anyway
            </button>
          )}
        </div>
      )}
      <div class="action">
        <label for="upgrade-range">Upgrade to the highest version in</label> <input id="upgrade-range" value={range} onInput={(e) => setRange((e.target as HTMLInputElement).value)} size={12} />{' '}
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            run(async () => {
              const answer = await api('POST', `${path}/upgrade`, { body: { range } });
              const changes = (answer.installed ?? []).map((i: any) => `${i.name} ${i.action}${i.replaced ? ` ${i.replaced} →` : ''} ${i.version}`).join('; ');
              const warnings = (answer.warnings ?? []).map((w: any) => `${w.name}@${w.version}: ${w.message}`).join('; ');
              return `${changes || 'Nothing to change.'}${warnings ? ` Warnings: ${warnings}` : ''}`;
            })
          }
        >
          Upgrade
        </button>
      </div>
      <div class="action">
        {!confirmUninstall ? (
          <button type="button" class="danger" disabled={busy} onClick={() => setConfirmUninstall(true)}>
            Uninstall…
          </button>
        ) : (
          <p class="confirm">
            Uninstalling removes its grant, config, key-value data and stored blobs.{' '}
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={() =>
                run(async () => {
                  await api('DELETE', path);
                  navigate('/plugins');
                  return null;
                })
              }
            >
              Uninstall {plugin.name}
            </button>{' '}
            {inUse && (
              <button
                type="button"
                class="danger"
                disabled={busy}
                onClick={() =>
                  run(async () => {
                    await api('DELETE', path, { query: { cascade: true } });
                    navigate('/plugins');
                    return null;
                  })
                }
              >
                Uninstall it and its dependents
              </button>
            )}{' '}
            <button type="button" class="secondary" onClick={() => setConfirmUninstall(false)}>
              Keep it
            </button>
          </p>
        )}
      </div>
      {message && (
        <p class="ok" role="status">
          {message}
        </p>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

function Config({ name, schema, config }: { name: string; schema: any; config: Record<string, unknown> }) {
  const [value, setValue] = useState<any>(config);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => setValue(config), [JSON.stringify(config)]);
  if (!schema) return (
    <>
      <h2>Config</h2>
      <p class="muted">This plugin has no configuration.</p>
    </>
  );
  const problems = error instanceof ApiError ? error.problems : [];
  return (
    <form
      class="config"
      data-section="config"
      noValidate
      onSubmit={async (e) => {
        e.preventDefault();
        setError(null);
        setSaved(false);
        try {
          const answer = await api<{ config: Record<string, unknown> }>('PUT', `/v1/plugins/${encodeURIComponent(name)}/config`, { body: { config: value ?? {} } });
          setValue(answer.config);
          setSaved(true);
        } catch (err) {
          setError(err);
        }
      }}
    >
      <h2>Config</h2>
      <SchemaForm schema={schema} value={value ?? initialValue(schema)} onChange={(v) => { setValue(v); setSaved(false); }} problems={problems} idPrefix="config" />
      <button type="submit">Save config</button>
      {saved && (
        <span class="ok" role="status">
          {' '}Saved.
        </span>
      )}
      {error && !(error instanceof ApiError && error.problems.length > 0) && <ErrorBox error={error} />}
      {error instanceof ApiError && error.problems.length > 0 && (
        <p class="field-errors" role="alert">
          <code>{error.code}</code> {error.message}
        </p>
      )}
    </form>
  );
}
