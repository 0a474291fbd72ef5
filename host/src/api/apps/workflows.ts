/**
 * Workflows (apps): what enabled plugins offer, and running one to its end in one request.
 * Steps, streaming, cancel and resume build on these routes with orchestration.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import type { ExecutionService } from '../../executions/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { kebab, pluginName } from '../schemas.ts';
import { userOf } from './agents.ts';

export interface WorkflowRoutesOptions {
  plugins: PluginService;
  executions: ExecutionService;
  keys: ApiKeyRepository;
  /** Largest body of a call that runs plugin code (inputs may carry byte fields). */
  inputBodyMaxBytes: number;
}

export const workflowRoutes: FastifyPluginAsync<WorkflowRoutesOptions> = async (app, { plugins, executions, keys, inputBodyMaxBytes }) => {
  app.addHook('onRequest', requireRole(keys, 'app'));

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

  app.post<{ Params: { type: string }; Querystring: { plugin?: string } }>(
    '/v1/workflows/:type/executions',
    {
      bodyLimit: inputBodyMaxBytes,
      schema: {
        params: { type: 'object', required: ['type'], properties: { type: kebab } },
        querystring: { type: 'object', additionalProperties: false, properties: { plugin: pluginName } },
      },
    },
    async (req) => {
      const result = await executions.runWorkflow({ type: req.params.type, plugin: req.query.plugin, input: req.body ?? {}, apiKeyId: req.principal?.keyId, userId: userOf(req.headers) });
      return { executionId: result.executionId, status: 'succeeded', output: result.output, durationMs: result.durationMs, cpuMs: result.cpuMs };
    },
  );
};
