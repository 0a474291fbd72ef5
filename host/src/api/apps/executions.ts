/**
 * Executions: one with its steps, the history (filtered, paginated newest first) and cancel.
 * An app sees the executions started with its own key only (any other id answers as an
 * unknown one); an admin sees, and may cancel, every execution, as on the event stream.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ExecutionService } from '../../orchestration/index.ts';
import type { FastifyRequest } from 'fastify';
import type { ApiKeyRepository, ExecutionStatus } from '../../store/index.ts';
import { kebab, pluginName } from '../schemas.ts';

export interface ExecutionRoutesOptions {
  executions: ExecutionService;
  keys: ApiKeyRepository;
}

const id = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid', maxLength: 36 } } } as const;

export const executionRoutes: FastifyPluginAsync<ExecutionRoutesOptions> = async (app, { executions, keys }) => {
  app.addHook('onRequest', requireRole(keys, ['app', 'admin']));
  /** Whose executions the caller may see: its own key's, or (admin) everyone's. */
  const ownerOf = (req: FastifyRequest): string | undefined => (req.principal?.role === 'admin' ? undefined : (req.principal?.keyId ?? ''));

  app.get<{ Params: { id: string } }>('/v1/executions/:id', { schema: { params: id } }, async (req) => executions.view(req.params.id, ownerOf(req)));

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
      if (q.workflow !== undefined && q.agent !== undefined) {
        throw new EaselError('REQUEST_INVALID', 'name a workflow or an agent, not both', { problems: [{ path: '/querystring', message: 'workflow and agent exclude each other' }] });
      }
      const target = q.workflow !== undefined ? { kind: 'workflow' as const, target: q.workflow } : q.agent !== undefined ? { kind: 'agent' as const, target: q.agent } : {};
      return executions.list({ ...target, plugin: q.plugin, userId: q.user, status: q.status, limit: q.limit, before: q.before, apiKeyId: ownerOf(req) });
    },
  );

  app.post<{ Params: { id: string } }>('/v1/executions/:id/cancel', { schema: { params: id } }, async (req) => executions.cancel(req.params.id, ownerOf(req)));
};
