/**
 * A plugin of the registries: its README, versions (host compatibility, downloads,
 * deprecated, yanked), what the chosen version asks for, and installing it with a grant chosen
 * here. A refused install shows the resolver's explanation.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from './page-props.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { GrantEditor, PermissionList, tidyGrant, type Permissions } from '../components/grant-editor.tsx';
import { Link } from '../components/link.tsx';
import { Markdown } from '../components/markdown.tsx';
import { api, get } from '../lib/api.ts';
import { num, when } from '../lib/format.ts';
import { useLoad } from '../lib/use-api.ts';

interface VersionView {
  version: string;
  publishedAt: string | null;
  hostRange: string | null;
  runsHere: boolean;
  dependencies: Record<string, string>;
  permissions: Permissions | null;
  deprecated: string | null;
  yanked: { at: string | null; reason: string } | null;
  tags: string[];
  downloads: number | null;
}

interface Detail {
  name: string;
  description: string;
  latest: string;
  license: string | null;
  author: string | null;
  homepage: string | null;
  keywords: string[];
  registry: string;
  hostApiVersion: string;
  readme: string;
  readmeTruncated: boolean;
  downloads: number | null;
  versions: VersionView[];
  installed: { version: string; enabled: boolean } | null;
}

/** The version an install would most likely take: the newest that runs here and is not yanked. */
function defaultVersion(d: Detail): string {
  return (d.versions.find((v) => v.version === d.latest && v.runsHere && !v.yanked) ?? d.versions.find((v) => v.runsHere && !v.yanked) ?? d.versions[0])?.version ?? d.latest;
}

export function MarketplacePluginPage({ params }: PageProps) {
  const name = params.name!;
  const { data, error, loading, reload } = useLoad((signal) => get<Detail>(`/v1/marketplace/${encodeURIComponent(name)}`, undefined, { signal }), [name]);
  if (error) return <ErrorBox error={error} />;
  if (loading && !data) return <p class="loading">Loading…</p>;
  if (!data) return null;
  const latest = data.versions.find((v) => v.version === data.latest);
  return (
    <section data-page="marketplace-plugin" data-plugin={data.name}>
      <p class="crumbs">
        <Link to="/marketplace">Marketplace</Link> /
      </p>
      <h1>
        {data.name} <span class="version">{data.latest}</span>
      </h1>
      <p>{data.description}</p>
      {latest?.deprecated && <p class="warn">Deprecated: {latest.deprecated}</p>}
      <dl class="facts">
        <dt>author</dt>
        <dd>{data.author ?? '–'}</dd>
        <dt>license</dt>
        <dd>{data.license ?? '–'}</dd>
        <dt>downloads</dt>
        <dd data-fact="downloads">{data.downloads === null ? 'not counted by this registry' : num(data.downloads)}</dd>
        <dt>registry</dt>
        <dd>
          <code>{data.registry}</code>
        </dd>
        <dt>installed here</dt>
        <dd data-fact="installed">
          {data.installed ? (
            <Link to={`/plugins/${encodeURIComponent(data.name)}`}>
              {data.installed.version} ({data.installed.enabled ? 'enabled' : 'disabled'})
            </Link>
          ) : (
            'no'
          )}
        </dd>
        {data.keywords.length > 0 && (
          <>
            <dt>keywords</dt>
            <dd>{data.keywords.join(', ')}</dd>
          </>
        )}
      </dl>

      <Install detail={data} onInstalled={reload} />

      <h2>Versions</h2>
      <table class="versions">
        <thead>
          <tr>
            <th>version</th>
            <th>published</th>
            <th>host API</th>
            <th>runs here</th>
            <th>asks for</th>
            <th>downloads</th>
            <th>state</th>
          </tr>
        </thead>
        <tbody>
          {data.versions.map((v) => (
            <tr data-version={v.version} class={v.yanked ? 'yanked' : ''}>
              <td>
                {v.version} {v.tags.map((t) => <span class="tag">{t}</span>)}
              </td>
              <td>{when(v.publishedAt)}</td>
              <td>
                <code>{v.hostRange ?? '–'}</code>
              </td>
              <td>{v.runsHere ? 'yes' : <span class="warn">no (this host is {data.hostApiVersion})</span>}</td>
              <td>{v.permissions ? <PermissionList permissions={v.permissions} /> : <span class="muted">not stated</span>}</td>
              <td>{v.downloads === null ? '–' : num(v.downloads)}</td>
              <td>
                {v.yanked && <span class="warn">yanked{v.yanked.reason ? `: ${v.yanked.reason}` : ''}</span>}
                {v.deprecated && <span class="warn">deprecated: {v.deprecated}</span>}
                {!v.yanked && !v.deprecated && '–'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>README</h2>
      {data.readme.trim() === '' ? <p class="muted">No README.</p> : <Markdown text={data.readme} />}
      {data.readmeTruncated && <p class="muted">(cut short: the README is longer than the console shows)</p>}
    </section>
  );
}

function Install({ detail, onInstalled }: { detail: Detail; onInstalled(): void }) {
  const [version, setVersion] = useState(() => defaultVersion(detail));
  const chosen = detail.versions.find((v) => v.version === version);
  const [grant, setGrant] = useState<Permissions>(() => structuredClone(chosen?.permissions ?? {}));
  const [enableDeps, setEnableDeps] = useState(true);
  const [result, setResult] = useState<any>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setGrant(structuredClone(chosen?.permissions ?? {})), [version]);
  const deps = Object.keys(chosen?.dependencies ?? {});
  const stated = chosen?.permissions !== null && chosen?.permissions !== undefined;

  const install = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const body = {
        name: detail.name,
        range: version,
        // Where the registry does not state the permissions, the admin grants what the manifest asks (seen once installed).
        grant: stated ? tidyGrant(grant) : 'requested',
        ...(enableDeps && deps.length > 0 ? { dependencyGrants: Object.fromEntries(deps.map((d) => [d, 'requested'])) } : {}),
      };
      setResult(await api('POST', '/v1/plugins/install', { body }));
      onInstalled();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="install" data-section="install" onSubmit={install} noValidate>
      <h2>Install</h2>
      <label for="install-version">Version</label>{' '}
      <select id="install-version" value={version} onChange={(e) => setVersion((e.target as HTMLSelectElement).value)}>
        {detail.versions.map((v) => (
          <option value={v.version}>
            {v.version}
            {v.yanked ? ' (yanked)' : ''}
            {v.deprecated ? ' (deprecated)' : ''}
            {v.runsHere ? '' : ' (does not run here)'}
          </option>
        ))}
      </select>
      <h3>Grant</h3>
      {stated ? (
        <GrantEditor requested={chosen!.permissions!} value={grant} onChange={setGrant} idPrefix="install" />
      ) : (
        <p class="muted">This registry does not state what the plugin asks for: it is granted what its manifest asks, which the plugin's page shows once installed.</p>
      )}
      {deps.length > 0 && (
        <label class="check">
          <input type="checkbox" checked={enableDeps} onChange={(e) => setEnableDeps((e.target as HTMLInputElement).checked)} />
          also enable its dependencies ({deps.join(', ')}) with what they ask
        </label>
      )}
      <p>
        <button type="submit" disabled={busy}>
          Install {detail.name} {version}
        </button>
      </p>
      {busy && <p class="loading">Resolving, downloading and verifying…</p>}
      {result && (
        <div class="ok" role="status" data-result="installed">
          <p>
            Installed:{' '}
            {result.installed.map((i: any) => `${i.name} ${i.version} (${i.action}${i.replaced ? ` from ${i.replaced}` : ''})`).join(', ') || 'nothing changed'}.
            {' '}Enabled: {result.enabled.length > 0 ? result.enabled.join(', ') : 'none (nothing granted)'}.
          </p>
          {result.warnings.length > 0 && (
            <ul class="warn">
              {result.warnings.map((w: any) => (
                <li>
                  {w.name}@{w.version}: {w.message}
                </li>
              ))}
            </ul>
          )}
          <p>
            <Link to={`/plugins/${encodeURIComponent(detail.name)}`}>Open {detail.name}</Link>
          </p>
        </div>
      )}
      <ErrorBox error={error} title="The install was refused" />
    </form>
  );
}
