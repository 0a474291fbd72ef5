/** API keys: list, create (the key is shown once), revoke. */
import { useState } from 'preact/hooks';
import type { PageProps } from './page-props.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { Link } from '../components/link.tsx';
import { api, get } from '../lib/api.ts';
import { when } from '../lib/format.ts';
import { useLoad } from '../lib/use-api.ts';

export function KeysPage({ identity }: PageProps) {
  const { data, error, reload } = useLoad(async (signal) => {
    const [keys, apps] = await Promise.all([get<{ keys: any[] }>('/v1/keys', undefined, { signal }), get<{ apps: any[] }>('/v1/apps', undefined, { signal })]);
    return { keys: keys.keys, apps: apps.apps };
  }, []);
  const [role, setRole] = useState<'app' | 'admin'>('app');
  const [label, setLabel] = useState('');
  const [app, setApp] = useState('');
  const [created, setCreated] = useState<any>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const appName = (id: string | undefined) => data?.apps.find((a) => a.id === id)?.name ?? id;
  return (
    <section data-page="keys">
      <h1>Keys</h1>
      <form
        class="inline-form"
        data-section="create-key"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          setActionError(null);
          setCreated(null);
          try {
            setCreated(await api('POST', '/v1/keys', { body: { role, label: label.trim(), ...(role === 'app' && app ? { app } : {}) } }));
            setLabel('');
            reload();
          } catch (err) {
            setActionError(err);
          }
        }}
      >
        <h2>New key</h2>
        <label>
          role{' '}
          <select name="role" value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value as 'app' | 'admin')}>
            <option value="app">app</option>
            <option value="admin">admin</option>
          </select>
        </label>{' '}
        <label>
          label <input name="label" value={label} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} maxLength={100} />
        </label>{' '}
        {role === 'app' && (
          <label>
            app{' '}
            <select name="app" value={app} onChange={(e) => setApp((e.target as HTMLSelectElement).value)}>
              <option value="">a new app named after the label</option>
              {(data?.apps ?? []).map((a) => (
                <option value={a.id}>{a.name}</option>
              ))}
            </select>
          </label>
        )}{' '}
        <button type="submit" disabled={label.trim() === ''}>
          Create
        </button>
      </form>
      {created && (
        <div class="ok created-key" role="status">
          <p>
            Key <strong>{created.label}</strong> ({created.role}) created. Copy it now: it is not shown again.
          </p>
          <code class="secret" data-created-key>
            {created.key}
          </code>
        </div>
      )}
      <ErrorBox error={actionError} />
      <ErrorBox error={error} />
      {data && (
        <table data-section="keys">
          <thead>
            <tr>
              <th>label</th>
              <th>role</th>
              <th>app</th>
              <th>created</th>
              <th>state</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.keys.map((k) => (
              <tr data-key={k.id}>
                <td>
                  {k.label}
                  {k.id === identity.keyId && <span class="muted small"> (this session)</span>}
                </td>
                <td>{k.role}</td>
                <td>{k.appId ? <Link to={`/apps/${k.appId}`}>{appName(k.appId)}</Link> : '–'}</td>
                <td>{when(k.createdAt)}</td>
                <td>{k.revokedAt ? `revoked ${when(k.revokedAt)}` : 'active'}</td>
                <td>
                  {!k.revokedAt && k.id !== identity.keyId && (
                    <button
                      type="button"
                      class="danger small"
                      onClick={async () => {
                        setActionError(null);
                        try {
                          await api('DELETE', `/v1/keys/${encodeURIComponent(k.id)}`);
                          reload();
                        } catch (err) {
                          setActionError(err);
                        }
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
