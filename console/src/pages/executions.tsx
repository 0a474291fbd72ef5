/** Every execution the key may see, newest first, filtered by plugin, status, user, app and time. */
import { useState } from 'preact/hooks';
import type { PageProps } from './page-props.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { Link } from '../components/link.tsx';
import { get } from '../lib/api.ts';
import { ms, usd, when } from '../lib/format.ts';
import { navigate } from '../lib/router.ts';
import { useLoad } from '../lib/use-api.ts';

const FILTERS = ['plugin', 'status', 'user', 'app', 'since', 'until'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** datetime-local text (taken as UTC) ⇄ an ISO instant. */
export const toIso = (local: string) => (local ? new Date(`${local}:00Z`).toISOString() : '');
export const toLocal = (iso: string | null | undefined) => (iso ? new Date(iso).toISOString().slice(0, 16) : '');

export function ExecutionsPage({ identity, query }: PageProps) {
  const filters: Filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? '']).filter(([, v]) => v !== ''));
  const [draft, setDraft] = useState<Filters>(filters);
  const [pages, setPages] = useState<any[][]>([]);
  const key = JSON.stringify(filters);
  const { data, error, loading } = useLoad(
    async (signal) => {
      setPages([]);
      return get<{ items: any[]; nextCursor?: string }>('/v1/executions', { ...filters, limit: 50 }, { signal });
    },
    [key],
  );
  const apps = useLoad((signal) => (identity.role === 'admin' ? get<{ apps: any[] }>('/v1/apps', undefined, { signal }) : Promise.resolve({ apps: [] })), []);
  const [moreError, setMoreError] = useState<unknown>(null);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const items = [...(data?.items ?? []), ...pages.flat()];
  const next = pages.length === 0 ? data?.nextCursor : cursor;
  const set = (f: keyof Filters) => (e: Event) => setDraft({ ...draft, [f]: (e.target as HTMLInputElement).value });
  return (
    <section data-page="executions">
      <h1>Executions</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const params = new URLSearchParams(Object.entries(draft).filter(([, v]) => v));
          navigate(`/executions${params.toString() ? `?${params}` : ''}`);
        }}
      >
        <label>
          plugin <input name="plugin" value={draft.plugin ?? ''} onInput={set('plugin')} size={14} />
        </label>
        <label>
          status{' '}
          <select name="status" value={draft.status ?? ''} onChange={set('status')}>
            <option value="">any</option>
            {['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          user <input name="user" value={draft.user ?? ''} onInput={set('user')} size={14} />
        </label>
        {identity.role === 'admin' && (
          <label>
            app{' '}
            <select name="app" value={draft.app ?? ''} onChange={set('app')}>
              <option value="">any</option>
              {(apps.data?.apps ?? []).map((a) => (
                <option value={a.id}>{a.name}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          since (UTC) <input name="since" type="datetime-local" value={toLocal(draft.since)} onInput={(e) => setDraft({ ...draft, since: toIso((e.target as HTMLInputElement).value) })} />
        </label>
        <label>
          until (UTC) <input name="until" type="datetime-local" value={toLocal(draft.until)} onInput={(e) => setDraft({ ...draft, until: toIso((e.target as HTMLInputElement).value) })} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={error} />
      {loading && !data && <p class="loading">Loading…</p>}
      {data && items.length === 0 && <p class="empty">No execution matches.</p>}
      {items.length > 0 && (
        <table data-section="executions">
          <thead>
            <tr>
              <th>started</th>
              <th>what</th>
              <th>status</th>
              <th>user</th>
              {identity.role === 'admin' && <th>app</th>}
              <th>cost</th>
              <th>time</th>
            </tr>
          </thead>
          <tbody>
            {items.map((x) => (
              <tr data-execution={x.id} data-status={x.status}>
                <td>
                  <Link to={`/executions/${x.id}`}>{when(x.startedAt)}</Link>
                </td>
                <td>
                  {x.kind} {x.pluginName}/{x.target}
                  {x.capability ? `/${x.capability}` : ''} <span class="muted small">{x.pluginVersion}</span>
                </td>
                <td>
                  <span class={`status status-${x.status}`}>{x.status}</span>
                  {x.errorCode && <div class="small warn">{x.errorCode}</div>}
                </td>
                <td class="small">{x.userId}</td>
                {identity.role === 'admin' && <td class="small">{apps.data?.apps.find((a) => a.id === x.appId)?.name ?? x.appId}</td>}
                <td>{usd(x.costUsd)}</td>
                <td>{ms(x.durationMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button
          type="button"
          class="secondary"
          onClick={async () => {
            try {
              const more = await get<{ items: any[]; nextCursor?: string }>('/v1/executions', { ...filters, limit: 50, before: next });
              setPages([...pages, more.items]);
              setCursor(more.nextCursor);
            } catch (err) {
              setMoreError(err);
            }
          }}
        >
          More
        </button>
      )}
      <ErrorBox error={moreError} />
    </section>
  );
}
