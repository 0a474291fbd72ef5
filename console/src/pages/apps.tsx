/** Apps (tenants): list and create. */
import { useState } from 'preact/hooks';
import type { PageProps } from './page-props.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { Link } from '../components/link.tsx';
import { api, get } from '../lib/api.ts';
import { when } from '../lib/format.ts';
import { useLoad } from '../lib/use-api.ts';

export function AppsPage(_: PageProps) {
  const { data, error, reload } = useLoad((signal) => get<{ apps: any[] }>('/v1/apps', undefined, { signal }), []);
  const [name, setName] = useState('');
  const [actionError, setActionError] = useState<unknown>(null);
  return (
    <section data-page="apps">
      <h1>Apps</h1>
      <p>An app is a tenant: it owns its app keys, and its users, executions, usage and budgets are its own.</p>
      <form
        class="inline-form"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          setActionError(null);
          try {
            await api('POST', '/v1/apps', { body: { name: name.trim() } });
            setName('');
            reload();
          } catch (err) {
            setActionError(err);
          }
        }}
      >
        <label>
          New app <input name="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} maxLength={100} />
        </label>{' '}
        <button type="submit" disabled={name.trim() === ''}>
          Create
        </button>
      </form>
      <ErrorBox error={actionError} />
      <ErrorBox error={error} />
      {data && (
        <table data-section="apps">
          <thead>
            <tr>
              <th>name</th>
              <th>id</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {data.apps.map((a) => (
              <tr data-app={a.id}>
                <td>
                  <Link to={`/apps/${a.id}`}>{a.name}</Link>
                </td>
                <td>
                  <code class="small">{a.id}</code>
                </td>
                <td>{when(a.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
