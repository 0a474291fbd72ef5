/**
 * Executions: one with its steps, the history (filtered, paginated newest first) and cancel.
 * An app key sees the executions of its app (any of the app's keys started them) only; any
 * other id answers as an unknown one. An admin sees, and may cancel, every execution, as on
 * the event stream, and may narrow the history to one app (`?app=`).
 */
import type { FastifyPluginAsync } from 'fastify';
import { appOf, appScopeOf, requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ExecutionService } from '../../orchestration/index.ts';
import type { ApiKeyRepository, ExecutionStatus } from '../../store/index.ts';
import { appId, kebab, pluginName } from '../schemas.ts';

export interface ExecutionRoutesOptions {
  executions: ExecutionService;
  keys: ApiKeyRepository;
}

const id = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid', maxLength: 36 } } } as const;

export const executionRoutes: FastifyPluginAsync<ExecutionRoutesOptions> = async (app, { executions, keys }) => {
  app.addHook('onRequest', requireRole(keys, ['app', 'admin']));

  app.get<{ Params: { id: string } }>('/v1/executions/:id', { schema: { params: id } }, async (req) => executions.view(req.params.id, appScopeOf(req.principal)));

  app.get<{ Querystring: { workflow?: string; agent?: string; plugin?: string; app?: string; user?: string; status?: ExecutionStatus; limit?: number; before?: string } }>(
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
            app: appId,
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
      if (q.workflow !== undefined && q.agent !== undefined) {
        throw new EaselError('REQUEST_INVALID', { reason: 'name a workflow or an agent, not both' }, { problems: [{ path: '/querystring', message: 'workflow and agent exclude each other' }] });
      }
      const target = q.workflow !== undefined ? { kind: 'workflow' as const, target: q.workflow } : q.agent !== undefined ? { kind: 'agent' as const, target: q.agent } : {};
      return executions.list({ ...target, plugin: q.plugin, userId: q.user, status: q.status, limit: q.limit, before: q.before, appId: appOf(req.principal, q.app) });
    },
  );

  app.post<{ Params: { id: string } }>('/v1/executions/:id/cancel', { schema: { params: id } }, async (req) => executions.cancel(req.params.id, appScopeOf(req.principal)));
};
