/**
 * Executions (apps): one with its steps, the history (filtered, paginated newest first) and
 * cancel. An app sees the executions started with its own key only; any other id answers as
 * an unknown one.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import type { ExecutionService } from '../../orchestration/index.ts';
import type { ApiKeyRepository, ExecutionStatus } from '../../store/index.ts';
import { kebab, pluginName } from '../schemas.ts';

export interface ExecutionRoutesOptions {
  executions: ExecutionService;
  keys: ApiKeyRepository;
}

const id = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid', maxLength: 36 } } } as const;

export const executionRoutes: FastifyPluginAsync<ExecutionRoutesOptions> = async (app, { executions, keys }) => {
  app.addHook('onRequest', requireRole(keys, 'app'));

  app.get<{ Params: { id: string } }>('/v1/executions/:id', { schema: { params: id } }, async (req) => executions.view(req.params.id, req.principal?.keyId ?? ''));

  app.get<{ Querystring: { workflow?: string; agent?: string; plugin?: string; user?: string; status?: ExecutionStatus; limit?: number; before?: string } }>(
    '/v1/executions',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            workflow: kebab,
            agent: kebab,
            plugin: pluginName,
            user: { type: 'string', minLength: 1, maxLength: 256 },
            status: { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            before: { type: 'string', format: 'uuid', maxLength: 36 },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      const target = q.workflow !== undefined ? { kind: 'workflow' as const, target: q.workflow } : q.agent !== undefined ? { kind: 'agent' as const, target: q.agent } : {};
      return executions.list({ ...target, plugin: q.plugin, userId: q.user, status: q.status, limit: q.limit, before: q.before, apiKeyId: req.principal?.keyId ?? '' });
    },
  );

  app.post<{ Params: { id: string } }>('/v1/executions/:id/cancel', { schema: { params: id } }, async (req) => executions.cancel(req.params.id, req.principal?.keyId ?? ''));
};
