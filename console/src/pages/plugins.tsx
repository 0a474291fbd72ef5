import type { PageProps } from './page-props.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { PermissionList } from '../components/grant-editor.tsx';
import { Link } from '../components/link.tsx';
import { get } from '../lib/api.ts';
import { when } from '../lib/format.ts';
import { useLoad } from '../lib/use-api.ts';

export function statusOf(p: { enabled: boolean; quarantine: unknown }): 'quarantined' | 'enabled' | 'disabled' {
  return p.quarantine ? 'quarantined' : p.enabled ? 'enabled' : 'disabled';
}

export function PluginsPage(_: PageProps) {
  const { data, error, loading } = useLoad((signal) => get<{ plugins: any[] }>('/v1/plugins', undefined, { signal }), []);
  return (
    <section data-page="plugins">
      <h1>Plugins</h1>
      <p>
        Installed on this host. Find more in the <Link to="/marketplace">marketplace</Link>.
      </p>
      <ErrorBox error={error} />
      {loading && !data && <p class="loading">Loading…</p>}
      {data && data.plugins.length === 0 && <p class="empty">No plugin is installed.</p>}
      {data && data.plugins.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>plugin</th>
              <th>version</th>
              <th>status</th>
              <th>asks for</th>
              <th>updated</th>
            </tr>
          </thead>
          <tbody>
            {data.plugins.map((p) => (
              <tr data-plugin={p.name}>
                <td>
                  <Link to={`/plugins/${encodeURIComponent(p.name)}`}>{p.name}</Link>
                  <div class="muted small">{p.description}</div>
                </td>
                <td>{p.version}</td>
                <td>
                  <span class={`status status-${statusOf(p)}`}>{statusOf(p)}</span>
                </td>
                <td>
                  <PermissionList permissions={p.permissions} />
                </td>
                <td>{when(p.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
