/**
 * Budgets: monthly model budgets in USD, per app as a whole (every user and key of the app
 * together) and per user of an app, and where this month stands. A call must fit both. Admins
 * set, read and remove any; an app key reads its own app's (another app answers APP_NOT_FOUND,
 * as one that does not exist).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { appOf, requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import { monthOf } from '../../models/index.ts';
import type { ApiKeyRepository, AppRepository, AuditRepository, BudgetRepository, BudgetScope } from '../../store/index.ts';
import { empty, json, routeSchema } from '../openapi/route-schema.ts';
import { budgetStatus } from '../openapi/shapes/tenancy.ts';
import { appId, userId } from '../schemas.ts';

export interface BudgetRoutesOptions {
  budgets: BudgetRepository;
  apps: AppRepository;
  audit: AuditRepository;
  keys: ApiKeyRepository;
}

type Params = { id: string; userId?: string };

const appParams = { type: 'object', required: ['id'], properties: { id: appId } } as const;
const userParams = { type: 'object', required: ['id', 'userId'], properties: { id: appId, userId } } as const;
const body = { type: 'object', additionalProperties: false, required: ['monthlyUsd'], properties: { monthlyUsd: { type: 'number', minimum: 0, maximum: 1_000_000 } } } as const;

const describe = (scope: BudgetScope): string => (scope.userId === undefined ? `app ${scope.appId}` : `user ${scope.userId} of app ${scope.appId}`);

export const budgetRoutes: FastifyPluginAsync<BudgetRoutesOptions> = async (app, { budgets, apps, audit, keys }) => {
  app.addHook('onRequest', requireRole(keys, ['admin', 'app']));
  const adminOnly = requireRole(keys, 'admin');

  /** The scope the request names, once the caller may see its app and the app exists. */
  const scopeOf = async (req: FastifyRequest<{ Params: Params }>): Promise<BudgetScope> => {
    const { id, userId: user } = req.params;
    if (!(await apps.get(appOf(req.principal, id) ?? id))) throw new EaselError('APP_NOT_FOUND', { app: id });
    return user === undefined ? { appId: id } : { appId: id, userId: user };
  };

  for (const [url, params, whose] of [['/v1/apps/:id/budget', appParams, 'an app (every user and key of it together)'], ['/v1/apps/:id/users/:userId/budget', userParams, 'a user of an app']] as const) {
    const doc = { tag: 'budgets', params, errors: ['APP_NOT_FOUND'] } as const;
    const answer = json('the budget status', budgetStatus);
    const set = routeSchema({ ...doc, summary: `Set the monthly budget of ${whose}`, description: 'Sets or replaces the limit, in USD for the current UTC month; 0 refuses every paid call. Audited as budget.set.', audience: 'admin', body, ok: { 200: answer } });
    app.put<{ Params: Params; Body: { monthlyUsd: number } }>(url, { onRequest: adminOnly, schema: set }, async (req) => {
      const scope = await scopeOf(req);
      const status = await budgets.set(scope, req.body.monthlyUsd);
      await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'budget.set', target: describe(scope), outcome: 'ok', details: { ...scope, monthlyUsd: req.body.monthlyUsd } });
      return status;
    });

    const read = routeSchema({ ...doc, summary: `Read the budget status of ${whose}`, description: 'Also without a budget (then `monthlyUsd` is absent).', audience: 'any-key', ok: { 200: answer } });
    app.get<{ Params: Params }>(url, { schema: read }, async (req) => budgets.get(await scopeOf(req), monthOf(Date.now())));

    const remove = routeSchema({ ...doc, summary: `Remove the budget of ${whose}`, description: 'Audited as budget.delete.', audience: 'admin', ok: { 204: empty('removed: no limit of its own any more') }, errors: ['APP_NOT_FOUND', 'BUDGET_NOT_FOUND'] });
    app.delete<{ Params: Params }>(url, { onRequest: adminOnly, schema: remove }, async (req, reply) => {
      const scope = await scopeOf(req);
      if (!(await budgets.delete(scope))) throw new EaselError('BUDGET_NOT_FOUND', { scope: describe(scope) });
      await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'budget.delete', target: describe(scope), outcome: 'ok', details: scope });
      return reply.status(204).send();
    });
  }
};
