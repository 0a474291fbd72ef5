/**
 * Workflows (apps): what enabled plugins offer, starting one (answering with the result when
 * it finishes within the wait, else 202 and where to follow it), and previewing its cost.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import type { ExecutionService, WorkflowPreview } from '../../orchestration/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { kebab, pluginName } from '../schemas.ts';
import { userOf } from './agents.ts';

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

const links = (id: string) => ({ self: `/v1/executions/${id}`, events: `/v1/executions/${id}/events`, cancel: `/v1/executions/${id}/cancel` });

export const workflowRoutes: FastifyPluginAsync<WorkflowRoutesOptions> = async (app, { plugins, executions, preview, keys, inputBodyMaxBytes, waitMs }) => {
  app.addHook('onRequest', requireRole(keys, 'app'));
  const params = { type: 'object', required: ['type'], properties: { type: kebab } } as const;

  app.get('/v1/workflows', async () => {
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
      schema: {
        params,
        querystring: { type: 'object', additionalProperties: false, properties: { plugin: pluginName, wait: { type: 'boolean' } } },
      },
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
      schema: { params, querystring: { type: 'object', additionalProperties: false, properties: { plugin: pluginName } } },
    },
    async (req) => preview.preview(await executions.workflowPlugin(req.params.type, req.query.plugin), req.params.type, req.body ?? {}),
  );
};
