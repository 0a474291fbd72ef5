/**
 * Executions: one with its steps, the history (filtered, paginated newest first) and cancel.
 * An app key sees the executions of its app (any of the app's keys started them) only; any
 * other id answers as an unknown one. An admin sees, and may cancel, every execution, as on
 * the event stream, and may narrow the history to one app (`?app=`). The history filters by
 * plugin, agent or workflow, user, status and start time (`since`, `until`).
 */
import type { FastifyPluginAsync } from 'fastify';
import { appOf, appScopeOf, requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ExecutionService } from '../../orchestration/index.ts';
import type { ApiKeyRepository, ExecutionStatus } from '../../store/index.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { executionPage, executionView } from '../openapi/shapes/executions.ts';
import { appId, kebab, pluginName } from '../schemas.ts';

export interface ExecutionRoutesOptions {
  executions: ExecutionService;
  keys: ApiKeyRepository;
}

const id = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid', maxLength: 36 } } } as const;

export const executionRoutes: FastifyPluginAsync<ExecutionRoutesOptions> = async (app, { executions, keys }) => {
  app.addHook('onRequest', requireRole(keys, ['app', 'admin']));

  const tag = 'executions';
  const one = routeSchema({ tag, summary: 'Show an execution with its steps', audience: 'any-key', params: id, ok: { 200: json('the execution', executionView) }, errors: ['EXECUTION_NOT_FOUND'] });
  app.get<{ Params: { id: string } }>('/v1/executions/:id', { schema: one }, async (req) => executions.view(req.params.id, appScopeOf(req.principal)));

  app.get<{ Querystring: { workflow?: string; agent?: string; plugin?: string; app?: string; user?: string; status?: ExecutionStatus; since?: string; until?: string; limit?: number; before?: string } }>(
    '/v1/executions',
    {
      schema: routeSchema({
        tag,
        summary: 'List executions',
        description: 'Newest first, without steps: the calling key’s app’s, or every app’s for an admin key. Every filter is optional.',
        audience: 'any-key',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            workflow: { ...kebab, description: 'runs of that workflow type' },
            agent: { ...kebab, description: 'calls of that agent type (not with workflow)' },
            plugin: pluginName,
            app: { ...appId, description: 'an admin’s filter; an app key naming another app gets APP_NOT_FOUND' },
            user: { type: 'string', minLength: 1, maxLength: 256, description: 'the user id (`key:<apiKeyId>` for calls made without x-easel-user)' },
            status: { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
            // Started in [since, until).
            since: { type: 'string', format: 'date-time', maxLength: 40 },
            until: { type: 'string', format: 'date-time', maxLength: 40 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            before: { type: 'string', format: 'uuid', maxLength: 36, description: 'the nextCursor of the previous page' },
          },
        },
        ok: { 200: json('a page of executions', executionPage) },
        errors: ['APP_NOT_FOUND'],
      }),
    },
    async (req) => {
      const q = req.query;
      if (q.workflow !== undefined && q.agent !== undefined) {
        throw new EaselError('REQUEST_INVALID', { reason: 'name a workflow or an agent, not both' }, { problems: [{ path: '/querystring', message: 'workflow and agent exclude each other' }] });
      }
      if (q.since !== undefined && q.until !== undefined && Date.parse(q.since) >= Date.parse(q.until)) {
        throw new EaselError('REQUEST_INVALID', { reason: 'since must be before until' }, { problems: [{ path: '/querystring/until', message: 'must be after since' }] });
      }
      const target = q.workflow !== undefined ? { kind: 'workflow' as const, target: q.workflow } : q.agent !== undefined ? { kind: 'agent' as const, target: q.agent } : {};
      return executions.list({ ...target, plugin: q.plugin, userId: q.user, status: q.status, startedSince: q.since, startedUntil: q.until, limit: q.limit, before: q.before, appId: appOf(req.principal, q.app) });
    },
  );

  const cancel = routeSchema({
    tag,
    summary: 'Cancel an execution',
    description: 'Stops a queued or running execution and answers once everything has stopped, normally with status cancelled. What it spent stays recorded.',
    audience: 'any-key',
    params: id,
    ok: { 200: json('the execution, stopped', executionView) },
    errors: ['EXECUTION_NOT_FOUND', 'EXECUTION_FINISHED'],
  });
  app.post<{ Params: { id: string } }>('/v1/executions/:id/cancel', { schema: cancel }, async (req) => executions.cancel(req.params.id, appScopeOf(req.principal)));
};
