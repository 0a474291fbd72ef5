/** The audit log: who did what to which plugin, key, app or budget, filtered by action, plugin, actor and time. */
import { useState } from 'preact/hooks';
import type { PageProps } from './page-props.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { get } from '../lib/api.ts';
import { when } from '../lib/format.ts';
import { navigate } from '../lib/router.ts';
import { useLoad } from '../lib/use-api.ts';
import { toIso, toLocal } from './executions.tsx';

const FILTERS = ['action', 'plugin', 'actor', 'since', 'until'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

export function AuditPage({ query }: PageProps) {
  const filters: Filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? '']).filter(([, v]) => v !== ''));
  const [draft, setDraft] = useState<Filters>(filters);
  const [more, setMore] = useState<{ items: any[]; nextCursor?: number }[]>([]);
  const [moreError, setMoreError] = useState<unknown>(null);
  const key = JSON.stringify(filters);
  const { data, error, loading } = useLoad(
    (signal) => {
      setMore([]);
      return get<{ items: any[]; nextCursor?: number }>('/v1/audit', { ...filters, limit: 100 }, { signal });
    },
    [key],
  );
  const items = [...(data?.items ?? []), ...more.flatMap((p) => p.items)];
  const next = more.length > 0 ? more.at(-1)!.nextCursor : data?.nextCursor;
  const set = (f: keyof Filters) => (e: Event) => setDraft({ ...draft, [f]: (e.target as HTMLInputElement).value });
  return (
    <section data-page="audit">
      <h1>Audit log</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const params = new URLSearchParams(Object.entries(draft).filter(([, v]) => v));
          navigate(`/audit${params.toString() ? `?${params}` : ''}`);
        }}
      >
        <label>
          action <input name="action" value={draft.action ?? ''} onInput={set('action')} placeholder="plugin.enable" size={16} />
        </label>
        <label>
          plugin <input name="plugin" value={draft.plugin ?? ''} onInput={set('plugin')} size={14} />
        </label>
        <label>
          actor <input name="actor" value={draft.actor ?? ''} onInput={set('actor')} placeholder="key:…" size={16} />
        </label>
        <label>
          since (UTC) <input type="datetime-local" name="since" value={toLocal(draft.since)} onInput={(e) => setDraft({ ...draft, since: toIso((e.target as HTMLInputElement).value) })} />
        </label>
        <label>
          until (UTC) <input type="datetime-local" name="until" value={toLocal(draft.until)} onInput={(e) => setDraft({ ...draft, until: toIso((e.target as HTMLInputElement).value) })} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={error} />
      {loading && !data && <p class="loading">Loading…</p>}
      {data && items.length === 0 && <p class="empty">No entry matches.</p>}
      {items.length > 0 && (
        <table data-section="audit">
          <thead>
            <tr>
              <th>when</th>
              <th>actor</th>
              <th>action</th>
              <th>target</th>
              <th>outcome</th>
              <th>details</th>
            </tr>
          </thead>
          <tbody>
            {items.map((a) => (
              <tr data-audit={a.id} data-action={a.action}>
                <td>{when(a.at)}</td>
                <td class="small">{a.actor}</td>
                <td>{a.action}</td>
                <td>{a.target ?? a.plugin ?? '–'}</td>
                <td class={a.outcome === 'ok' ? '' : 'warn'}>{a.outcome}</td>
                <td>{a.details === undefined ? '–' : <pre class="json small">{JSON.stringify(a.details, null, 1)}</pre>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next !== undefined && (
        <button
          type="button"
          class="secondary"
          onClick={() =>
            get<{ items: any[]; nextCursor?: number }>('/v1/audit', { ...filters, limit: 100, before: next }).then((page) => setMore([...more, page]), setMoreError)
          }
        >
          More
        </button>
      )}
      <ErrorBox error={moreError} />
    </section>
  );
}
