/** Response shapes of executions: records, steps, the answers of agent calls and workflow runs. */
import { amount, anyJson, count, list, object, text, texts, time, uuid } from './common.ts';

const status = { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] } as const;

const recordFields = {
  id: uuid,
  pluginName: text,
  pluginVersion: { ...text, description: 'the version it started on' },
  kind: { enum: ['agent', 'workflow'] },
  target: { ...text, description: 'the agent type, or the workflow type' },
  capability: { ...text, description: 'for an agent call' },
  apiKeyId: { ...text, description: 'the app key that started it' },
  appId: text,
  userId: { ...text, description: 'the user of the app it runs for (`key:<apiKeyId>` without x-easel-user)' },
  input: anyJson('the input as received; each byte field replaced by {bytes, sha256, mediaType?}'),
  status,
  output: anyJson('when it succeeded'),
  errorCode: { ...text, description: 'when it failed or was cancelled' },
  errorMessage: text,
  durationMs: amount,
  cpuMs: { ...amount, description: 'CPU time of its own handler, not of its steps' },
  heapUsedBytes: count,
  costUsd: { ...amount, description: 'what its model calls cost, every step’s included; so far, while it runs' },
  resumed: { ...count, description: 'times the host ran it again after a stop' },
  startedAt: time,
  finishedAt: time,
  eventsPurgedAt: { ...time, description: 'when retention deleted its event log' },
} as const;
const recordRequired = ['id', 'pluginName', 'pluginVersion', 'kind', 'target', 'status', 'costUsd', 'resumed', 'startedAt'];

export const executionRecord = object(recordFields, recordRequired);

export const step = object(
  {
    id: uuid,
    executionId: uuid,
    parentStepId: { ...uuid, description: 'the step whose code made this call; absent for calls of the execution’s own handler' },
    callKey: { ...text, description: 'what identifies the call when the workflow runs again after a stop' },
    depth: { ...count, description: '1 for a call of the execution’s own handler' },
    pluginName: text,
    pluginVersion: text,
    agent: text,
    capability: text,
    inputSha256: text,
    status: { enum: ['running', 'succeeded', 'failed', 'cancelled'] },
    output: anyJson('when it succeeded'),
    errorCode: text,
    errorMessage: text,
    models: { ...texts, description: 'models that answered this step and the steps under it' },
    inputTokens: count,
    outputTokens: count,
    costUsd: amount,
    attempts: count,
    durationMs: amount,
    cpuMs: amount,
    heapPeakBytes: count,
    startedAt: time,
    finishedAt: time,
  },
  ['id', 'executionId', 'callKey', 'depth', 'pluginName', 'pluginVersion', 'agent', 'capability', 'inputSha256', 'status', 'models', 'inputTokens', 'outputTokens', 'costUsd', 'attempts', 'startedAt'],
);

export const executionView = object({ ...recordFields, steps: list(step, 'in the order they started') }, [...recordRequired, 'steps']);

export const executionPage = object(
  { items: list(executionRecord, 'newest first, without steps'), nextCursor: { ...uuid, description: 'there when more may follow: send it as `before`' } },
  ['items'],
);

const resultFields = {
  executionId: uuid,
  costUsd: { ...amount, description: 'what its model calls cost, its steps’ included' },
  durationMs: amount,
  cpuMs: amount,
} as const;

/** The answer of an agent call or a plugin route; `output` as the capability's (or workflow's) output schema says. */
export function callResult(output: Record<string, unknown> = anyJson('the output, validated against the output schema')) {
  return object({ ...resultFields, output }, ['executionId', 'costUsd', 'durationMs', 'cpuMs']);
}

/** A workflow run that ended within the wait. */
export function workflowResult(output: Record<string, unknown> = anyJson('the output, validated against the workflow’s output schema when it has one')) {
  return object({ ...resultFields, status: { const: 'succeeded' }, output }, ['executionId', 'status', 'costUsd', 'durationMs', 'cpuMs']);
}

export const workflowStarted = object(
  {
    executionId: uuid,
    status: { enum: ['queued', 'running'] },
    links: object({ self: text, events: text, cancel: text }, ['self', 'events', 'cancel']),
  },
  ['executionId', 'status', 'links'],
);

export const preview = object(
  {
    workflow: text,
    plugin: text,
    version: text,
    source: { enum: ['plugin', 'manifest'], description: 'plugin: from the workflow’s estimate hook; manifest: the host’s rough guess' },
    steps: list(
      object(
        {
          agent: text,
          capability: text,
          count,
          model: object({ task: text, tier: text, modelId: text, costUsd: amount }, ['task', 'tier', 'modelId', 'costUsd']),
        },
        ['agent', 'count'],
      ),
    ),
    agents: texts,
    models: texts,
    estimatedCostUsd: amount,
  },
  ['workflow', 'plugin', 'version', 'source', 'steps', 'agents', 'models', 'estimatedCostUsd'],
);
