/** One execution: what ran, for whom, its steps (models, tokens, cost, timings), its output or error, and how often it was resumed. */
import type { PageProps } from './page-props.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { ExecutionLive, StepList } from '../components/execution-live.tsx';
import { Link } from '../components/link.tsx';
import { OutputView } from '../components/output-view.tsx';
import { get } from '../lib/api.ts';
import { bytes, ms, num, usd, when } from '../lib/format.ts';
import { useLoad } from '../lib/use-api.ts';

export function ExecutionPage({ params }: PageProps) {
  const id = params.id!;
  const { data: x, error, loading, reload } = useLoad((signal) => get<any>(`/v1/executions/${encodeURIComponent(id)}`, undefined, { signal }), [id]);
  if (error) return <ErrorBox error={error} />;
  if (loading && !x) return <p class="loading">Loading…</p>;
  if (!x) return null;
  const active = x.status === 'queued' || x.status === 'running';
  const steps = (x.steps ?? []).map((s: any) => ({ ...s, plugin: s.pluginName, ...(s.errorCode ? { error: { code: s.errorCode, message: s.errorMessage } } : {}) }));
  const tokensIn = steps.filter((s: any) => s.depth === 1).reduce((n: number, s: any) => n + (s.inputTokens ?? 0), 0);
  const tokensOut = steps.filter((s: any) => s.depth === 1).reduce((n: number, s: any) => n + (s.outputTokens ?? 0), 0);
  const models = [...new Set(steps.flatMap((s: any) => s.models ?? []))];
  return (
    <section data-page="execution" data-execution={x.id} data-status={x.status}>
      <p class="crumbs">
        <Link to="/executions">Executions</Link> /
      </p>
      <h1>
        {x.kind} {x.pluginName}/{x.target}
        {x.capability ? `/${x.capability}` : ''} <span class={`status status-${x.status}`}>{x.status}</span>
      </h1>
      <dl class="facts">
        <dt>id</dt>
        <dd>
          <code>{x.id}</code>
        </dd>
        <dt>plugin</dt>
        <dd>
          {x.pluginName} {x.pluginVersion}
        </dd>
        <dt>app / user</dt>
        <dd>
          {x.appId} / {x.userId}
        </dd>
        <dt>started</dt>
        <dd>{when(x.startedAt)}</dd>
        <dt>finished</dt>
        <dd>{when(x.finishedAt)}</dd>
        <dt>duration</dt>
        <dd>{ms(x.durationMs)}</dd>
        <dt>cpu / heap</dt>
        <dd>
          {ms(x.cpuMs)} / {bytes(x.heapUsedBytes)}
        </dd>
        <dt>cost</dt>
        <dd data-fact="cost">{usd(x.costUsd)}</dd>
        <dt>tokens in / out (steps)</dt>
        <dd>
          {num(tokensIn)} / {num(tokensOut)}
        </dd>
        <dt>models (steps)</dt>
        <dd>{models.length > 0 ? models.join(', ') : '–'}</dd>
        <dt>resumed</dt>
        <dd data-fact="resumed">{x.resumed ? `${x.resumed}× after a host stop` : 'never'}</dd>
        {x.eventsPurgedAt && (
          <>
            <dt>event log</dt>
            <dd>purged {when(x.eventsPurgedAt)}</dd>
          </>
        )}
      </dl>
      {x.errorCode && (
        <p class="error-box" role="alert">
          <code>{x.errorCode}</code> {x.errorMessage}
        </p>
      )}
      {active ? (
        <>
          <h2>Live</h2>
          <ExecutionLive executionId={x.id} />
          <button type="button" class="secondary" onClick={reload}>
            Reload the record
          </button>
        </>
      ) : (
        <>
          <h2>Steps</h2>
          <StepList steps={steps} />
        </>
      )}
      <h2>Input</h2>
      <pre class="json">{JSON.stringify(x.input, null, 2)}</pre>
      {x.output !== undefined && (
        <>
          <h2>Output</h2>
          <OutputView output={x.output} />
        </>
      )}
    </section>
  );
}
