/** The configured registries' plugins, searched: what each is, asks for, and whether it runs here. */
import { useState } from 'preact/hooks';
import type { PageProps } from './page-props.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { PermissionList } from '../components/grant-editor.tsx';
import { Link } from '../components/link.tsx';
import { get } from '../lib/api.ts';
import { navigate } from '../lib/router.ts';
import { useLoad } from '../lib/use-api.ts';

export function MarketplacePage({ query }: PageProps) {
  const q = query.get('q') ?? '';
  const [text, setText] = useState(q);
  const { data, error, loading } = useLoad((signal) => get<{ plugins: any[]; hostApiVersion: string }>('/v1/marketplace', { q }, { signal }), [q]);
  return (
    <section data-page="marketplace">
      <h1>Marketplace</h1>
      <form
        class="search"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(text.trim() === '' ? '/marketplace' : `/marketplace?q=${encodeURIComponent(text.trim())}`);
        }}
      >
        <input type="search" aria-label="search plugins" placeholder="search plugins" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={error} />
      {loading && <p class="loading">Searching the registries…</p>}
      {!loading && data && data.plugins.length === 0 && <p class="empty">{q ? `No plugin matches “${q}”.` : 'The registries have no plugins.'}</p>}
      {data && data.plugins.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>plugin</th>
              <th>latest</th>
              <th>asks for</th>
              <th>runs here</th>
              <th>installed</th>
            </tr>
          </thead>
          <tbody>
            {data.plugins.map((p) => (
              <tr data-plugin={p.name}>
                <td>
                  <Link to={`/marketplace/${encodeURIComponent(p.name)}`}>{p.name}</Link>
                  <div class="muted small">{p.description}</div>
                  {p.deprecated && <div class="warn small">deprecated: {p.deprecated}</div>}
                </td>
                <td>{p.latest}</td>
                <td>{p.permissions ? <PermissionList permissions={p.permissions} /> : <span class="muted">not stated by the registry</span>}</td>
                <td>{p.runsHere ? 'yes' : <span class="warn">no (needs host API {p.hostRange}; this host is {data.hostApiVersion})</span>}</td>
                <td>{p.installed ? `${p.installed.version}${p.installed.enabled ? '' : ' (disabled)'}` : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
