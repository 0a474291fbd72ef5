/**
 * Workflows (apps): what enabled plugins offer, starting one (answering with the result when
 * it finishes within the wait, else 202 and where to follow it), and previewing its cost.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import type { ExecutionService, WorkflowPreview } from '../../orchestration/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { EXECUTION_FAILURES } from '../openapi/errors.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { anyJson, list, object, text } from '../openapi/shapes/common.ts';
import { preview as previewShape, workflowResult, workflowStarted } from '../openapi/shapes/executions.ts';
import { kebab, pluginName } from '../schemas.ts';
import { userHeader, userOf } from './agents.ts';

export interface WorkflowRoutesOptions {
  plugins: PluginService;
  executions: ExecutionService;
  preview: WorkflowPreview;
  keys: ApiKeyRepository;
  /** Largest body of a call that runs plugin code (inputs may carry byte fields). */
  inputBodyMaxBytes: number;
  /** How long a start without `?wait` waits for the result before answering 202. */
  waitMs: number;
}

const tag = 'workflows';
const workflowList = object(
  {
    workflows: list(
      object(
        {
          plugin: text,
          version: text,
          type: text,
          description: text,
          input: anyJson('its input JSON Schema'),
          output: anyJson('its output JSON Schema, when it declares one'),
          path: { ...text, description: '/v1/workflows/<type>/executions' },
        },
        ['plugin', 'version', 'type', 'description', 'input', 'path'],
      ),
    ),
  },
  ['workflows'],
);
const input = { content: { 'application/json': { schema: anyJson('the input, as the workflow’s input schema says') } } };
const pluginQuery = { ...pluginName, description: 'the plugin, when several enabled plugins offer the workflow' };

const links = (id: string) => ({ self: `/v1/executions/${id}`, events: `/v1/executions/${id}/events`, cancel: `/v1/executions/${id}/cancel` });

export const workflowRoutes: FastifyPluginAsync<WorkflowRoutesOptions> = async (app, { plugins, executions, preview, keys, inputBodyMaxBytes, waitMs }) => {
  app.addHook('onRequest', requireRole(keys, 'app'));
  const params = { type: 'object', required: ['type'], properties: { type: kebab } } as const;

  const listed = routeSchema({ tag, summary: 'List the workflows of enabled plugins', audience: 'app', ok: { 200: json('the workflows, with their schemas', workflowList) } });
  app.get('/v1/workflows', { schema: listed }, async () => {
    const enabled = (await plugins.list()).filter((p) => p.enabled);
    return {
      workflows: enabled.flatMap((p) =>
        (p.manifest.workflows ?? []).map((w) => ({
          plugin: p.name,
          version: p.version,
          type: w.type,
          description: w.description,
          input: w.input,
          ...(w.output === undefined ? {} : { output: w.output }),
          path: `/v1/workflows/${w.type}/executions`,
        })),
      ),
    };
  });

  app.post<{ Params: { type: string }; Querystring: { plugin?: string; wait?: boolean } }>(
    '/v1/workflows/:type/executions',
    {
      bodyLimit: inputBodyMaxBytes,
      config: { pluginInput: true },
      schema: routeSchema({
        tag,
        summary: 'Start a workflow',
        description: 'The body is the input (JSON, at most EASEL_INPUT_BODY_MAX_BYTES), checked against the workflow’s input schema. The run is an execution that goes on whatever the request does. `?wait=true` waits for its end, `false` not at all; without it, up to EASEL_EXECUTIONS_WAIT_MS. Ended and succeeded within the wait: 200 with the result; failed: its error with `details.executionId`; still queued or running: 202 with where to follow it.',
        audience: 'app',
        params,
        querystring: { type: 'object', additionalProperties: false, properties: { plugin: pluginQuery, wait: { type: 'boolean', description: 'true: until it ends; false: not at all' } } },
        docHeaders: userHeader,
        docBody: input,
        ok: {
          200: json('it ended within the wait and succeeded', workflowResult()),
          202: {
            ...json('still queued or running when the wait ended: follow it', workflowStarted),
            headers: { location: { type: 'string', description: '/v1/executions/<id>' } },
          },
        },
        errors: [...EXECUTION_FAILURES, 'WORKFLOW_NOT_FOUND', 'RESUME_REFUSED'],
      }),
    },
    async (req, reply) => {
      const started = await executions.startWorkflow({ type: req.params.type, plugin: req.query.plugin, input: req.body ?? {}, apiKeyId: req.principal?.keyId, appId: req.principal?.appId, userId: userOf(req.headers) });
      // wait=true: until it ends; wait=false: not at all; absent: short runs answer with their result.
      const limit = req.query.wait === true ? undefined : req.query.wait === false ? 0 : waitMs;
      let timer: NodeJS.Timeout | undefined;
      // A stopping host answers 202 at once: the workflow resumes when it starts again.
      const waited = new Promise<undefined>((resolve) => (timer = limit === undefined ? undefined : setTimeout(() => resolve(undefined), limit)));
      const finished = limit === 0 ? undefined : await Promise.race([started.done, waited, executions.whenStopping.then(() => undefined)]);
      clearTimeout(timer);
      if (!finished) {
        const current = executions.isLive(started.executionId) ? await executions.get(started.executionId) : undefined;
        return reply
          .status(202)
          .header('location', `/v1/executions/${started.executionId}`)
          .send({ executionId: started.executionId, status: current?.status === 'queued' ? 'queued' : 'running', links: links(started.executionId) });
      }
      if (!finished.ok) throw finished.error;
      const { result } = finished;
      return { executionId: result.executionId, status: 'succeeded', output: result.output, costUsd: result.costUsd, durationMs: result.durationMs, cpuMs: result.cpuMs };
    },
  );

  app.post<{ Params: { type: string }; Querystring: { plugin?: string } }>(
    '/v1/workflows/:type/preview',
    {
      bodyLimit: inputBodyMaxBytes,
      config: { pluginInput: true },
      schema: routeSchema({
        tag,
        summary: 'Preview a workflow’s steps and cost',
        description: 'What a run with this input would call and cost; calls no model, runs no step, takes no slot and records nothing.',
        audience: 'app',
        params,
        querystring: { type: 'object', additionalProperties: false, properties: { plugin: pluginQuery } },
        docBody: input,
        ok: { 200: json('the preview', previewShape) },
        errors: ['WORKFLOW_NOT_FOUND', 'INPUT_INVALID', 'INPUT_TOO_LARGE', 'MODEL_NO_CANDIDATE', 'OUTPUT_INVALID', 'PLUGIN_ERROR', 'NOT_AVAILABLE', 'EXECUTION_TIMEOUT', 'EXECUTION_MEMORY', 'EXECUTION_ABORTED', 'SANDBOX_CRASHED', 'SANDBOX_UNAVAILABLE', 'PLUGIN_QUARANTINED', 'PLUGIN_LOAD_FAILED', 'PLUGIN_MODIFIED'],
      }),
    },
    async (req) => preview.preview(await executions.workflowPlugin(req.params.type, req.query.plugin), req.params.type, req.body ?? {}),
  );
};
