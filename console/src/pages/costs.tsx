/**
 * The cost dashboard: model spend over a chosen period per day, app, user, plugin and model;
 * budget use; the cache's hit rate and what it saved; fallbacks, cooldowns and quota waits.
 * One report (`GET /v1/usage/report`) feeds it all; each chart has its figures in a table.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from './page-props.ts';
import { BudgetBar } from '../components/budget-status.tsx';
import { ChartFigure } from '../components/chart.tsx';
import { ErrorBox } from '../components/error-box.tsx';
import { get } from '../lib/api.ts';
import { num, pct, usd, utcDay } from '../lib/format.ts';
import { navigate } from '../lib/router.ts';
import { useLoad } from '../lib/use-api.ts';

interface Report {
  from: string;
  to: string;
  app?: string;
  totals: { calls: number; failedCalls: number; costUsd: number; inputTokens: number; outputTokens: number };
  byDay: { day: string; calls: number; costUsd: number; inputTokens: number; outputTokens: number }[];
  byApp: { app: string; calls: number; costUsd: number }[];
  byUser: { app: string; user: string; calls: number; costUsd: number }[];
  byPlugin: { plugin: string; calls: number; costUsd: number }[];
  byModel: { model: string; calls: number; costUsd: number; inputTokens: number; outputTokens: number }[];
  cache: { hits: number; misses: number; hitRate: number; savedUsd: number };
  routing: { fallbacks: number; cooldowns: number; quotaWaits: number };
  budgets: { scope: 'app' | 'user'; app: string; user?: string; month: string; limitUsd: number; spentUsd: number; reservedUsd: number }[];
  unreconciled: { calls: number; costUsd: number };
}

const PRESETS: { id: string; label: string; days: number }[] = [
  { id: 'today', label: 'today', days: 1 },
  { id: '7d', label: 'last 7 days', days: 7 },
  { id: '30d', label: 'last 30 days', days: 30 },
  { id: '90d', label: 'last 90 days', days: 90 },
];

/** The period asked for, as UTC days: `from` (first day) and `to` (last day, included). */
function periodOf(query: URLSearchParams): { from: string; to: string; preset: string } {
  const from = query.get('from');
  const to = query.get('to');
  if (from && to && /^\d{4}-\d{2}-\d{2}$/.test(from) && /^\d{4}-\d{2}-\d{2}$/.test(to)) return { from, to, preset: 'custom' };
  const preset = PRESETS.find((p) => p.id === query.get('period')) ?? PRESETS[2]!;
  return { from: utcDay(-(preset.days - 1)), to: utcDay(0), preset: preset.id };
}

const nextDay = (day: string) => {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
};

export function CostsPage({ identity, query }: PageProps) {
  const period = periodOf(query);
  const app = identity.role === 'admin' ? (query.get('app') ?? '') : '';
  const [draft, setDraft] = useState({ from: period.from, to: period.to });
  useEffect(() => setDraft({ from: period.from, to: period.to }), [period.from, period.to]);
  const apps = useLoad((signal) => (identity.role === 'admin' ? get<{ apps: { id: string; name: string }[] }>('/v1/apps', undefined, { signal }) : Promise.resolve({ apps: [] })), []);
  const { data: r, error, loading } = useLoad(
    (signal) => get<Report>('/v1/usage/report', { from: `${period.from}T00:00:00.000Z`, to: nextDay(period.to), app }, { signal }),
    [period.from, period.to, app],
  );
  const appName = (id: string) => apps.data?.apps.find((a) => a.id === id)?.name ?? id;
  const go = (params: Record<string, string>) => {
    const merged = new URLSearchParams({ ...(app ? { app } : {}), ...params });
    for (const [k, v] of [...merged]) if (!v) merged.delete(k);
    navigate(`/costs?${merged}`);
  };
  return (
    <section data-page="costs">
      <h1>Costs</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          go({ from: draft.from, to: draft.to });
        }}
      >
        <span>
          {PRESETS.map((p) => (
            <button type="button" class={period.preset === p.id ? '' : 'secondary'} aria-pressed={period.preset === p.id} onClick={() => go({ period: p.id })}>
              {p.label}
            </button>
          ))}
        </span>
        <label>
          from <input type="date" name="from" value={draft.from} onInput={(e) => setDraft({ ...draft, from: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          to <input type="date" name="to" value={draft.to} onInput={(e) => setDraft({ ...draft, to: (e.target as HTMLInputElement).value })} />
        </label>
        <button type="submit">Show</button>
        {identity.role === 'admin' && (
          <label>
            app{' '}
            <select name="app" value={app} onChange={(e) => go({ ...(period.preset === 'custom' ? { from: period.from, to: period.to } : { period: period.preset }), app: (e.target as HTMLSelectElement).value })}>
              <option value="">every app</option>
              {(apps.data?.apps ?? []).map((a) => (
                <option value={a.id}>{a.name}</option>
              ))}
            </select>
          </label>
        )}
      </form>
      <ErrorBox error={error} />
      {loading && !r && <p class="loading">Loading…</p>}
      {r && (
        <div class="dashboard" data-period-from={r.from} data-period-to={r.to} data-app={r.app ?? ''}>
          <p class="muted">
            {r.from.slice(0, 10)} to {period.to} (UTC){r.app ? `, app ${appName(r.app)}` : identity.role === 'app' ? `, app ${identity.appName ?? identity.appId}` : ', every app'}
          </p>
          <div class="tiles">
            <Tile label="spend" value={usd(r.totals.costUsd)} id="cost" />
            <Tile label="model calls" value={num(r.totals.calls)} id="calls" />
            <Tile label="failed calls" value={num(r.totals.failedCalls)} id="failed" />
            <Tile label="tokens in / out" value={`${num(r.totals.inputTokens)} / ${num(r.totals.outputTokens)}`} id="tokens" />
            <Tile label="cache hit rate" value={pct(r.cache.hitRate)} id="hit-rate" note={`${num(r.cache.hits)} hits, ${num(r.cache.misses)} misses`} />
            <Tile label="saved by the cache" value={usd(r.cache.savedUsd)} id="saved" />
            {r.unreconciled.calls > 0 && <Tile label="unreconciled" value={usd(r.unreconciled.costUsd)} id="unreconciled" note={`${num(r.unreconciled.calls)} calls charged at their holds`} />}
          </div>
          <div class="charts">
            <ChartFigure
              id="by-day"
              title="Spend per day"
              labels={r.byDay.map((d) => d.day)}
              series={[
                { label: 'cost (USD)', data: r.byDay.map((d) => d.costUsd), format: usd },
                { label: 'calls', data: r.byDay.map((d) => d.calls), format: num, axis: 'y1' },
              ]}
            />
            {identity.role === 'admin' && (
              <ChartFigure id="by-app" title="Spend per app" horizontal labels={r.byApp.map((a) => appName(a.app))} series={[{ label: 'cost (USD)', data: r.byApp.map((a) => a.costUsd), format: usd }, { label: 'calls', data: r.byApp.map((a) => a.calls), format: num, drawn: false }]} />
            )}
            <ChartFigure
              id="by-user"
              title="Spend per user"
              horizontal
              labels={r.byUser.map((u) => (identity.role === 'admin' && !r.app ? `${u.user} (${appName(u.app)})` : u.user))}
              series={[{ label: 'cost (USD)', data: r.byUser.map((u) => u.costUsd), format: usd }, { label: 'calls', data: r.byUser.map((u) => u.calls), format: num, drawn: false }]}
            />
            <ChartFigure id="by-plugin" title="Spend per plugin" horizontal labels={r.byPlugin.map((p) => p.plugin || '(the host)')} series={[{ label: 'cost (USD)', data: r.byPlugin.map((p) => p.costUsd), format: usd }, { label: 'calls', data: r.byPlugin.map((p) => p.calls), format: num, drawn: false }]} />
            <ChartFigure
              id="by-model"
              title="Spend per model"
              horizontal
              labels={r.byModel.map((m) => m.model)}
              series={[
                { label: 'cost (USD)', data: r.byModel.map((m) => m.costUsd), format: usd },
                { label: 'calls', data: r.byModel.map((m) => m.calls), format: num, drawn: false },
                { label: 'input tokens', data: r.byModel.map((m) => m.inputTokens), format: num, drawn: false },
                { label: 'output tokens', data: r.byModel.map((m) => m.outputTokens), format: num, drawn: false },
              ]}
            />
            <ChartFigure
              id="routing"
              title="Fallbacks, cooldowns and quota waits"
              labels={['fallbacks', 'cooldowns', 'quota waits']}
              series={[{ label: 'events', data: [r.routing.fallbacks, r.routing.cooldowns, r.routing.quotaWaits], format: num }]}
            />
            <ChartFigure id="cache" title="Cache" labels={['hits', 'misses']} series={[{ label: 'model calls', data: [r.cache.hits, r.cache.misses], format: num }]} />
          </div>
          <h2>Budget use</h2>
          {r.budgets.length === 0 ? (
            <p class="muted">No budget is set{r.app ? ' for this app' : ''}.</p>
          ) : (
            <table data-section="budgets">
              <thead>
                <tr>
                  <th>scope</th>
                  <th>app</th>
                  <th>user</th>
                  <th>month</th>
                  <th>use</th>
                </tr>
              </thead>
              <tbody>
                {r.budgets.map((b) => (
                  <tr data-budget={`${b.scope}:${b.app}:${b.user ?? ''}`}>
                    <td>{b.scope}</td>
                    <td>{appName(b.app)}</td>
                    <td>{b.user ?? '–'}</td>
                    <td>{b.month}</td>
                    <td>
                      <BudgetBar limitUsd={b.limitUsd} spentUsd={b.spentUsd} reservedUsd={b.reservedUsd} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}

function Tile({ label, value, id, note }: { label: string; value: string; id: string; note?: string }) {
  return (
    <div class="tile" data-tile={id}>
      <div class="tile-value">{value}</div>
      <div class="tile-label">{label}</div>
      {note && <div class="small muted">{note}</div>}
    </div>
  );
}
