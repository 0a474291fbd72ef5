/** Budgets (admin): a user's monthly model budget in USD, and where this month stands. */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import { monthOf } from '../../models/index.ts';
import type { ApiKeyRepository, AuditRepository, BudgetRepository } from '../../store/index.ts';
import { userId } from '../schemas.ts';

export interface BudgetRoutesOptions {
  budgets: BudgetRepository;
  audit: AuditRepository;
  keys: ApiKeyRepository;
}

const params = { type: 'object', required: ['userId'], properties: { userId } } as const;

export const budgetRoutes: FastifyPluginAsync<BudgetRoutesOptions> = async (app, { budgets, audit, keys }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));

  app.put<{ Params: { userId: string }; Body: { monthlyUsd: number } }>(
    '/v1/budgets/:userId',
    {
      schema: {
        params,
        body: { type: 'object', additionalProperties: false, required: ['monthlyUsd'], properties: { monthlyUsd: { type: 'number', minimum: 0, maximum: 1_000_000 } } },
      },
    },
    async (req) => {
      const status = await budgets.set(req.params.userId, req.body.monthlyUsd);
      await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'budget.set', target: req.params.userId, outcome: 'ok', details: { monthlyUsd: req.body.monthlyUsd } });
      return status;
    },
  );

  app.get<{ Params: { userId: string } }>('/v1/budgets/:userId', { schema: { params } }, async (req) => budgets.get(req.params.userId, monthOf(Date.now())));

  app.delete<{ Params: { userId: string } }>('/v1/budgets/:userId', { schema: { params } }, async (req, reply) => {
    if (!(await budgets.delete(req.params.userId))) throw new EaselError('BUDGET_NOT_FOUND', `${req.params.userId} has no budget`);
    await audit.record({ actor: `key:${req.principal?.keyId}`, action: 'budget.delete', target: req.params.userId, outcome: 'ok' });
    return reply.status(204).send();
  });
};
