/** Monthly model budgets: each app's, and its users'; set, change and remove them. */
import { useState } from 'preact/hooks';
import type { PageProps } from './page-props.ts';
import { BudgetBar } from '../components/budget-status.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { Link } from '../components/link.tsx';
import { api, ApiError, get } from '../lib/api.ts';
import { useLoad } from '../lib/use-api.ts';

interface Status {
  scope: 'app' | 'user';
  appId: string;
  userId?: string;
  monthlyUsd?: number;
  month: string;
  spentUsd: number;
  reservedUsd: number;
}

async function load(signal: AbortSignal) {
  const { apps } = await get<{ apps: { id: string; name: string }[] }>('/v1/apps', undefined, { signal });
  const appBudgets = await Promise.all(apps.map((a) => get<Status>(`/v1/apps/${encodeURIComponent(a.id)}/budget`, undefined, { signal })));
  // User budgets are listed by the usage report (this month's).
  const report = await get<{ budgets: { scope: string; app: string; user?: string }[] }>('/v1/usage/report', undefined, { signal }).catch((e) => {
    if (e instanceof ApiError && e.code === 'ROUTE_NOT_FOUND') return { budgets: [] };
    throw e;
  });
  const users = report.budgets.filter((b) => b.scope === 'user' && b.user !== undefined);
  const userBudgets = await Promise.all(users.map((b) => get<Status>(`/v1/apps/${encodeURIComponent(b.app)}/users/${encodeURIComponent(b.user!)}/budget`, undefined, { signal })));
  return { apps, appBudgets, userBudgets };
}

export function BudgetsPage(_: PageProps) {
  const { data, error, reload } = useLoad(load, []);
  const [form, setForm] = useState({ app: '', user: '', monthlyUsd: '' });
  const [actionError, setActionError] = useState<unknown>(null);
  const appName = (id: string) => data?.apps.find((a) => a.id === id)?.name ?? id;
  const url = (app: string, user?: string) => `/v1/apps/${encodeURIComponent(app)}${user ? `/users/${encodeURIComponent(user)}` : ''}/budget`;
  const act = async (what: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await what();
      reload();
    } catch (err) {
      setActionError(err);
    }
  };
  const rows = [...(data?.appBudgets ?? []), ...(data?.userBudgets ?? [])];
  return (
    <section data-page="budgets">
      <h1>Budgets</h1>
      <p>Monthly model budgets in USD for the current UTC month: an app as a whole, and each user of an app. A call must fit both.</p>
      <form
        class="inline-form"
        data-section="set-budget"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          act(() => api('PUT', url(form.app, form.user.trim() || undefined), { body: { monthlyUsd: Number(form.monthlyUsd) } }));
        }}
      >
        <label>
          app{' '}
          <select name="app" value={form.app} onChange={(e) => setForm({ ...form, app: (e.target as HTMLSelectElement).value })}>
            <option value="">choose an app</option>
            {(data?.apps ?? []).map((a) => (
              <option value={a.id}>{a.name}</option>
            ))}
          </select>
        </label>{' '}
        <label>
          user (empty: the whole app) <input name="user" value={form.user} onInput={(e) => setForm({ ...form, user: (e.target as HTMLInputElement).value })} />
        </label>{' '}
        <label>
          USD per month <input name="monthlyUsd" type="number" min={0} step="any" value={form.monthlyUsd} onInput={(e) => setForm({ ...form, monthlyUsd: (e.target as HTMLInputElement).value })} />
        </label>{' '}
        <button type="submit" disabled={form.app === '' || form.monthlyUsd === ''}>
          Set budget
        </button>
      </form>
      <ErrorBox error={actionError} />
      <ErrorBox error={error} />
      {data && (
        <table data-section="budgets">
          <thead>
            <tr>
              <th>app</th>
              <th>user</th>
              <th>month</th>
              <th>use</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr data-budget={`${b.scope}:${b.appId}:${b.userId ?? ''}`}>
                <td>
                  <Link to={`/apps/${b.appId}`}>{appName(b.appId)}</Link>
                </td>
                <td>{b.userId ?? <span class="muted">the whole app</span>}</td>
                <td>{b.month}</td>
                <td>
                  <BudgetBar limitUsd={b.monthlyUsd} spentUsd={b.spentUsd} reservedUsd={b.reservedUsd} />
                </td>
                <td>
                  {b.monthlyUsd !== undefined && (
                    <button type="button" class="danger small" onClick={() => act(() => api('DELETE', url(b.appId, b.userId)))}>
                      Remove
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
