/** One app: its keys, its budget this month, links to its executions and costs. */
import type { PageProps } from './page-props.ts';
import { BudgetStatus } from '../components/budget-status.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { Link } from '../components/link.tsx';
import { get } from '../lib/api.ts';
import { when } from '../lib/format.ts';
import { useLoad } from '../lib/use-api.ts';

export function AppPage({ params }: PageProps) {
  const id = params.id!;
  const { data, error } = useLoad(async (signal) => {
    const [app, budget] = await Promise.all([get<any>(`/v1/apps/${encodeURIComponent(id)}`, undefined, { signal }), get<any>(`/v1/apps/${encodeURIComponent(id)}/budget`, undefined, { signal })]);
    return { app, budget };
  }, [id]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <p class="loading">Loading…</p>;
  const { app, budget } = data;
  return (
    <section data-page="app" data-app={app.id}>
      <p class="crumbs">
        <Link to="/apps">Apps</Link> /
      </p>
      <h1>{app.name}</h1>
      <p>
        <code>{app.id}</code>, created {when(app.createdAt)}. <Link to={`/executions?app=${encodeURIComponent(app.id)}`}>Its executions</Link> ·{' '}
        <Link to={`/costs?app=${encodeURIComponent(app.id)}`}>its costs</Link> · <Link to="/budgets">budgets</Link>
      </p>
      <h2>Budget this month</h2>
      <BudgetStatus status={budget} />
      <h2>Keys</h2>
      <table>
        <thead>
          <tr>
            <th>label</th>
            <th>created</th>
            <th>state</th>
          </tr>
        </thead>
        <tbody>
          {app.keys.map((k: any) => (
            <tr>
              <td>{k.label}</td>
              <td>{when(k.createdAt)}</td>
              <td>{k.revokedAt ? `revoked ${when(k.revokedAt)}` : 'active'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
