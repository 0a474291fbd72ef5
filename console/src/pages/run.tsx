/**
 * Runs any agent capability or workflow of the enabled plugins from a form generated from its
 * input schema, and follows the execution live. Running takes an app key: an admin adds one
 * for this tab (admin keys run nothing).
 */
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from './page-props.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { ExecutionLive } from '../components/execution-live.tsx';
import { Link } from '../components/link.tsx';
import { OutputView } from '../components/output-view.tsx';
import { initialValue, SchemaForm } from '../components/schema-form.tsx';
import { api, ApiError, get } from '../lib/api.ts';
import { ms, usd } from '../lib/format.ts';
import { navigate } from '../lib/router.ts';
import { session, type Identity } from '../lib/session.ts';
import { useLoad } from '../lib/use-api.ts';

interface Target {
  id: string;
  label: string;
  kind: 'agent' | 'workflow';
  plugin: string;
  description: string;
  input: any;
  output?: any;
  path: string;
}

async function loadTargets(key: string | null, signal: AbortSignal): Promise<Target[]> {
  const [agents, workflows] = await Promise.all([
    get<{ agents: any[] }>('/v1/agents', undefined, { key, signal }),
    get<{ workflows: any[] }>('/v1/workflows', undefined, { key, signal }),
  ]);
  const out: Target[] = [];
  for (const w of workflows.workflows) {
    out.push({ id: `workflow:${w.plugin}/${w.type}`, label: `workflow ${w.type} (${w.plugin} ${w.version})`, kind: 'workflow', plugin: w.plugin, description: w.description, input: w.input, output: w.output, path: `${w.path}?plugin=${encodeURIComponent(w.plugin)}&wait=false` });
  }
  for (const a of agents.agents) {
    for (const c of a.capabilities) {
      out.push({ id: `agent:${a.plugin}/${a.agent}/${c.name}`, label: `agent ${a.plugin}/${a.agent}/${c.name}`, kind: 'agent', plugin: a.plugin, description: c.description, input: c.input, output: c.output, path: c.path });
    }
  }
  return out;
}

export function RunPage({ identity, query }: PageProps) {
  const [runKey, setRunKey] = useState<string | null>(identity.role === 'app' ? null : session.runKey);
  if (identity.role === 'admin' && !runKey) return <RunKeyForm onKey={(k) => { session.runKey = k; setRunKey(k); }} />;
  return <Runner identity={identity} runKey={runKey} target={query.get('target')} onForgetKey={identity.role === 'admin' ? () => { session.runKey = null; setRunKey(null); } : undefined} />;
}

function RunKeyForm({ onKey }: { onKey(key: string): void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <section data-page="run">
      <h1>Run</h1>
      <p>
        Admin keys manage the host but run no agent or workflow. To run one from here, give an app key for this tab (the runs are billed to its app); an admin makes one on the{' '}
        <Link to="/keys">keys</Link> page.
      </p>
      <form
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            const who = await get<Identity>('/v1/whoami', undefined, { key: key.trim() });
            if (who.role !== 'app') return setError('That is an admin key; running takes an app key.');
            onKey(key.trim());
          } catch (err) {
            setError(err instanceof ApiError && err.status === 401 ? 'That key is not valid.' : (err as Error).message);
          }
        }}
      >
        <label for="run-key">App key</label> <input id="run-key" type="password" autocomplete="off" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />{' '}
        <button type="submit" disabled={key.trim() === ''}>
          Use this app key
        </button>
        {error && <p class="error-box">{error}</p>}
      </form>
    </section>
  );
}

function Runner({ identity, runKey, target, onForgetKey }: { identity: Identity; runKey: string | null; target: string | null; onForgetKey?: () => void }) {
  const key = identity.role === 'app' ? undefined : runKey;
  const { data: targets, error } = useLoad((signal) => loadTargets(key ?? session.key, signal), [key]);
  const chosen = targets?.find((t) => t.id === target) ?? targets?.[0];
  return (
    <section data-page="run">
      <h1>Run</h1>
      {onForgetKey && (
        <p class="muted small">
          Running with an app key given for this tab. <button type="button" class="link" onClick={onForgetKey}>Use another</button>
        </p>
      )}
      <ErrorBox error={error} />
      {targets && targets.length === 0 && <p class="empty">No enabled plugin offers an agent or a workflow.</p>}
      {targets && targets.length > 0 && chosen && (
        <>
          <label for="run-target">What to run</label>{' '}
          <select id="run-target" value={chosen.id} onChange={(e) => navigate(`/run?target=${encodeURIComponent((e.target as HTMLSelectElement).value)}`, true)}>
            {targets.map((t) => (
              <option value={t.id}>{t.label}</option>
            ))}
          </select>
          <RunForm key={chosen.id} target={chosen} runKey={key} />
        </>
      )}
    </section>
  );
}

function RunForm({ target, runKey }: { target: Target; runKey: string | null | undefined }) {
  const [value, setValue] = useState<any>(() => initialValue(target.input) ?? {});
  const [user, setUser] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [executionId, setExecutionId] = useState<string | null>(null);
  const [agentAnswer, setAgentAnswer] = useState<any>(null);
  const [pending, setPending] = useState<AbortController | null>(null);
  useEffect(() => () => pending?.abort(), []);
  const headers: Record<string, string> = user.trim() ? { 'x-easel-user': user.trim() } : {};
  const options = { ...(runKey ? { key: runKey } : {}), headers };

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setExecutionId(null);
    setAgentAnswer(null);
    if (target.kind === 'workflow') {
      try {
        const answer = await api('POST', target.path, { ...options, body: value ?? {} });
        setExecutionId(answer.executionId);
      } catch (err) {
        setError(err);
      }
      return;
    }
    // An agent call answers when it ends; hanging up (Cancel) cancels it.
    const controller = new AbortController();
    setPending(controller);
    try {
      setAgentAnswer(await api('POST', target.path, { ...options, body: value ?? {}, signal: controller.signal }));
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setError(err);
      else setError(new ApiError(0, 'EXECUTION_CANCELLED', 'cancelled: the call was hung up, which cancels it'));
    } finally {
      setPending(null);
    }
  };
  const problems = error instanceof ApiError ? error.problems : [];
  return (
    <div class="run" data-target={target.id}>
      <p class="help">{target.description}</p>
      <form onSubmit={submit} noValidate data-section="run-form">
        <SchemaForm schema={target.input ?? { type: 'object' }} value={value} onChange={setValue} problems={problems} idPrefix="input" />
        <div class="field">
          <label for="run-user">User id (x-easel-user, optional)</label>
          <input id="run-user" value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} placeholder="the key itself when empty" />
        </div>
        <button type="submit" disabled={pending !== null}>
          Run
        </button>
        {pending && (
          <>
            {' '}
            <span class="loading">Running…</span>{' '}
            <button type="button" class="danger" onClick={() => pending.abort()}>
              Cancel
            </button>
          </>
        )}
      </form>
      <ErrorBox error={error} title="Refused" />
      {executionId && <ExecutionLive executionId={executionId} runKey={runKey} outputSchema={target.output} />}
      {agentAnswer && (
        <div class="finished" data-finished="succeeded">
          <h3>
            Output <span class="muted small">{usd(agentAnswer.costUsd)} · {ms(agentAnswer.durationMs)}</span>
          </h3>
          <p>
            Execution <Link to={`/executions/${agentAnswer.executionId}`}>{agentAnswer.executionId}</Link>
          </p>
          <OutputView output={agentAnswer.output} schema={target.output} />
        </div>
      )}
    </div>
  );
}
