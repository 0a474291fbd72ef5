/**
 * Models (admin and app keys): the catalog with availability, routing decisions with their
 * reasoning, cost estimates, per-user usage and per-model health. Nothing here calls a model.
 */
import type { FastifyPluginAsync } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { routing, side } from '../../capabilities/model-arguments.ts';
import { TASKS } from '../../models/types.ts';
import { EaselError } from '../../errors/index.ts';
import { costOf } from '../../models/cost.ts';
import { type Models, monthOf, noCandidate, type RouteRequest } from '../../models/index.ts';
import type { ApiKeyRepository, BudgetRepository, UsageRepository } from '../../store/index.ts';
import { userId } from '../schemas.ts';

export interface ModelRoutesOptions {
  models: Models;
  usage: UsageRepository;
  budgets: BudgetRepository;
  keys: ApiKeyRepository;
}

const tokens = { type: 'integer', minimum: 0, maximum: 10_000_000 };

/** What a routing question may say: the task, the wishes, and the size of the call. */
const routeFields = {
  task: { enum: TASKS },
  ...routing,
  inputTokens: tokens,
  outputTokens: tokens,
  images: { type: 'integer', minimum: 1, maximum: 5 },
  width: side,
  height: side,
  quality: { enum: ['standard', 'premium'] },
} as const;

type RouteQuestion = {
  task: RouteRequest['task'];
  inputTokens?: number;
  outputTokens?: number;
  images?: number;
  width?: number;
  height?: number;
  quality?: 'standard' | 'premium';
} & Pick<RouteRequest, 'tier' | 'latency' | 'strategy' | 'residency'>;

function toRoute(q: RouteQuestion): RouteRequest {
  return {
    task: q.task,
    tier: q.tier,
    latency: q.latency,
    strategy: q.strategy,
    residency: q.residency,
    estimate: { inputTokens: q.inputTokens ?? 0, outputTokens: q.outputTokens ?? 0, images: q.images, width: q.width, height: q.height, quality: q.quality },
  };
}

const PERIODS = { daily: 1, weekly: 7 } as const;

export const modelRoutes: FastifyPluginAsync<ModelRoutesOptions> = async (app, { models, usage, budgets, keys }) => {
  app.addHook('onRequest', requireRole(keys, ['admin', 'app']));
  const catalog = models.router.catalog;

  const coolingNow = async () => new Map((await models.state.cooling(Date.now())).map((c) => [c.modelId, c]));

  app.get('/v1/models', async () => {
    const cooling = await coolingNow();
    return {
      region: catalog.region,
      currency: catalog.currency,
      verifiedAt: catalog.verifiedAt,
      sources: catalog.sources,
      target: models.target.kind,
      models: catalog.models.map((m) => ({ ...m, cooling: cooling.has(m.id) })),
    };
  });

  app.post<{ Body: RouteQuestion & { userId?: string } }>(
    '/v1/models/select',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['task'], properties: { ...routeFields, userId } } } },
    async (req) => {
      const decision = await models.router.decide(toRoute(req.body), req.body.userId);
      const [first, ...fallbacks] = decision.candidates;
      if (!first) throw noCandidate(req.body.task, decision);
      const view = (c: typeof first) => ({ id: c.model.id, name: c.model.name, tier: c.model.tier, estimatedCost: c.estimatedCost });
      return {
        strategy: decision.strategy,
        model: view(first),
        estimatedCost: first.estimatedCost,
        reasoning: decision.reasoning,
        alternatives: fallbacks.map(view),
        excluded: decision.excluded,
        ...(decision.budgetNote ? { budget: decision.budgetNote } : {}),
      };
    },
  );

  app.get<{ Querystring: RouteQuestion & { model?: string } }>(
    '/v1/models/costs/estimate',
    { schema: { querystring: { type: 'object', additionalProperties: false, required: ['task'], properties: { ...routeFields, model: { type: 'string', maxLength: 200 } } } } },
    async (req) => {
      const route = toRoute(req.query);
      if (req.query.model !== undefined) {
        const model = catalog.models.find((m) => m.id === req.query.model);
        if (!model) throw new EaselError('MODEL_NOT_FOUND', `no model ${req.query.model} in the catalog`);
        const cost = model.tasks.includes(route.task) ? costOf(model, route.task, route.estimate) : undefined;
        if (cost === undefined) throw new EaselError('MODEL_REQUEST_INVALID', `${model.id} cannot price ${route.task} at this size`, { field: 'task' });
        return { task: route.task, estimates: [{ model: model.id, costUsd: cost }] };
      }
      const decision = await models.router.decide(route);
      return {
        task: route.task,
        strategy: decision.strategy,
        estimates: decision.candidates.map((c) => ({ model: c.model.id, costUsd: c.estimatedCost })),
        reasoning: decision.reasoning,
      };
    },
  );

  app.get<{ Params: { userId: string }; Querystring: { period?: 'daily' | 'weekly' | 'monthly' } }>(
    '/v1/models/usage/:userId/stats',
    {
      schema: {
        params: { type: 'object', required: ['userId'], properties: { userId } },
        querystring: { type: 'object', additionalProperties: false, properties: { period: { enum: ['daily', 'weekly', 'monthly'], default: 'monthly' } } },
      },
    },
    async (req) => {
      const now = new Date();
      const period = req.query.period ?? 'monthly';
      const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
      // Calendar periods in UTC: today, the last 7 days with today, this month (the budget's month).
      const since = period === 'monthly' ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)) : new Date(today - (PERIODS[period] - 1) * 86_400_000);
      const stats = await usage.stats(req.params.userId, since.toISOString(), new Date(now.getTime() + 1).toISOString());
      const budget = await budgets.get(req.params.userId, monthOf(now.getTime()));
      return { period, ...stats, budget };
    },
  );

  app.get('/v1/models/health', async () => {
    const now = Date.now();
    const cooling = await coolingNow();
    return {
      target: models.target.kind,
      region: models.target.region,
      models: catalog.models
        .filter((m) => m.available)
        .map((m) => {
          const cool = cooling.get(m.id);
          return {
            ...models.health.snapshot(m.id, now),
            name: m.name,
            cooling: cool !== undefined,
            ...(cool ? { coolingUntil: new Date(cool.untilMs).toISOString(), coolingReason: cool.reason } : {}),
          };
        }),
    };
  });
};
