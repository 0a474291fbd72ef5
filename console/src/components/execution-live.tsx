/**
 * An execution followed live over its event stream: its status, each step as it starts and
 * ends, the text models stream, progress lines, then the output (images shown as images) or
 * the error. Cancel stops it.
 */
import { useEffect, useReducer, useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { ms, num, usd } from '../lib/format.ts';
import { followExecution, type StreamEvent } from '../lib/sse.ts';
import { ErrorBox } from './error-box.tsx';
import { Link } from './link.tsx';
import { OutputView } from './output-view.tsx';

export interface StepState {
  stepId: string;
  parentStepId: string | null;
  depth: number;
  plugin: string;
  agent: string;
  capability: string;
  attempt?: number;
  status: string;
  replayed?: boolean;
  costUsd?: number;
  inputTokens?: number;
  outputTokens?: number;
  models?: string[];
  durationMs?: number;
  error?: { code: string; message: string };
}

interface LiveState {
  status: string;
  position?: number;
  resumed: number;
  steps: StepState[];
  /** Streamed model text by step id ('' for the execution's own handler). */
  text: Record<string, string>;
  progress: { stepId: string | null; message: string }[];
  finished?: { status: string; output?: unknown; error?: { code: string; message: string }; costUsd?: number; durationMs?: number };
  events: number;
}

const initial: LiveState = { status: 'connecting', resumed: 0, steps: [], text: {}, progress: [], events: 0 };

function reduce(state: LiveState, e: StreamEvent): LiveState {
  const d = e.data ?? {};
  const next = { ...state, events: state.events + 1 };
  switch (e.type) {
    case 'execution.queued':
      return { ...next, status: 'queued', position: d.position };
    case 'execution.started':
      return { ...next, status: 'running', resumed: d.resumed ?? 0 };
    case 'step.started': {
      const step: StepState = { stepId: d.stepId, parentStepId: d.parentStepId, depth: d.depth, plugin: d.plugin, agent: d.agent, capability: d.capability, attempt: d.attempt, status: 'running' };
      const others = state.steps.filter((s) => s.stepId !== d.stepId);
      return { ...next, steps: [...others, step] };
    }
    case 'step.finished': {
      const found = state.steps.find((s) => s.stepId === d.stepId);
      const done: StepState = { ...(found ?? { stepId: d.stepId, parentStepId: null, depth: 1, plugin: d.plugin, agent: d.agent, capability: d.capability }), ...d, status: d.status };
      return { ...next, steps: found ? state.steps.map((s) => (s.stepId === d.stepId ? done : s)) : [...state.steps, done] };
    }
    case 'model.delta': {
      const key = d.stepId ?? '';
      return { ...next, text: { ...state.text, [key]: (state.text[key] ?? '') + String(d.text ?? '') } };
    }
    case 'progress':
      return { ...next, progress: [...state.progress, { stepId: d.stepId ?? null, message: String(d.message ?? '') }] };
    case 'execution.finished':
      return { ...next, status: d.status, finished: d };
    default:
      return next;
  }
}

export function StepList({ steps, text = {} }: { steps: StepState[]; text?: Record<string, string> }) {
  if (steps.length === 0) return <p class="muted">No steps yet.</p>;
  return (
    <table class="steps" data-section="steps">
      <thead>
        <tr>
          <th>step</th>
          <th>status</th>
          <th>models</th>
          <th>tokens in / out</th>
          <th>cost</th>
          <th>time</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) => (
          <>
            <tr data-step={`${s.agent}/${s.capability}`} data-step-status={s.status}>
              <td style={{ paddingLeft: `${(s.depth - 1) * 1.2 + 0.4}em` }}>
                {s.plugin}/{s.agent}/{s.capability}
                {s.attempt && s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}
              </td>
              <td>
                <span class={`status status-${s.status}`}>{s.status}{s.replayed ? ' (replayed)' : ''}</span>
                {s.error && (
                  <div class="small warn">
                    <code>{s.error.code}</code> {s.error.message}
                  </div>
                )}
              </td>
              <td class="small">{s.models?.join(', ') || '–'}</td>
              <td>{s.inputTokens === undefined ? '–' : `${num(s.inputTokens)} / ${num(s.outputTokens)}`}</td>
              <td>{s.costUsd === undefined ? '–' : usd(s.costUsd)}</td>
              <td>{ms(s.durationMs)}</td>
            </tr>
            {text[s.stepId] && (
              <tr class="streamed">
                <td colSpan={6}>
                  <pre class="stream-text" data-stream-text={s.stepId}>{text[s.stepId]}</pre>
                </td>
              </tr>
            )}
          </>
        ))}
      </tbody>
    </table>
  );
}

export function ExecutionLive({ executionId, runKey, outputSchema }: { executionId: string; runKey?: string | null; outputSchema?: any }) {
  const [state, dispatch] = useReducer(reduce, initial);
  const [streamError, setStreamError] = useState<string | null>(null);
  const [cancelError, setCancelError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    followExecution(executionId, { key: runKey, signal: controller.signal, onEvent: dispatch, onError: setStreamError });
    return () => controller.abort();
  }, [executionId]);
  const active = !state.finished && (state.status === 'running' || state.status === 'queued' || state.status === 'connecting');
  const own = state.text[''];
  return (
    <div class="live" data-execution={executionId} data-status={state.status}>
      <p>
        Execution <Link to={`/executions/${executionId}`}>{executionId}</Link>: <span class={`status status-${state.status}`} data-live-status>{state.status}</span>
        {state.status === 'queued' && state.position !== undefined && ` (position ${state.position})`}
        {state.resumed > 0 && ` (resumed ${state.resumed}×)`}
        {active && (
          <>
            {' '}
            <button
              type="button"
              class="danger"
              disabled={cancelling}
              onClick={async () => {
                setCancelling(true);
                setCancelError(null);
                try {
                  await api('POST', `/v1/executions/${executionId}/cancel`, runKey ? { key: runKey } : {});
                } catch (error) {
                  setCancelError(error);
                } finally {
                  setCancelling(false);
                }
              }}
            >
              Cancel
            </button>
          </>
        )}
      </p>
      <ErrorBox error={cancelError} title="Cancel" />
      {streamError && <p class="warn">{streamError}</p>}
      <h3>Steps</h3>
      <StepList steps={state.steps} text={state.text} />
      {own && (
        <>
          <h3>Streamed text</h3>
          <pre class="stream-text" data-stream-text="execution">{own}</pre>
        </>
      )}
      {state.progress.length > 0 && (
        <>
          <h3>Progress</h3>
          <ul class="progress">
            {state.progress.map((p) => (
              <li>{p.message}</li>
            ))}
          </ul>
        </>
      )}
      {state.finished && (
        <div class="finished" data-finished={state.finished.status}>
          <h3>
            {state.finished.status === 'succeeded' ? 'Output' : state.finished.status === 'cancelled' ? 'Cancelled' : 'Failed'}
            <span class="muted small">
              {' '}
              {usd(state.finished.costUsd)} · {ms(state.finished.durationMs)}
            </span>
          </h3>
          {state.finished.error && (
            <p class="error-box">
              <code>{state.finished.error.code}</code> {state.finished.error.message}
            </p>
          )}
          {state.finished.output !== undefined && <OutputView output={state.finished.output} schema={outputSchema} />}
        </div>
      )}
    </div>
  );
}
