/**
 * Models (admin and app keys): the catalog with availability, routing decisions with their
 * reasoning, cost estimates, per-user usage and per-model health. Nothing here calls a model.
 * User ids are namespaced per app: an app key asks about its own app's users only (naming
 * another app answers APP_NOT_FOUND, as one that does not exist); an admin names the app.
 */
import type { FastifyPluginAsync } from 'fastify';
import { appOf, requireRole } from '../../auth/index.ts';
import { routing, side } from '../../capabilities/model-arguments.ts';
import { TASKS } from '../../models/types.ts';
import { EaselError } from '../../errors/index.ts';
import { costOf } from '../../models/cost.ts';
import { forSingleModelTasks } from '../../models/router/select.ts';
import { type Models, monthOf, noCandidate, type RouteRequest } from '../../models/index.ts';
import type { ApiKeyRepository, BudgetRepository, UsageRepository } from '../../store/index.ts';
import { appId, userId } from '../schemas.ts';

export interface ModelRoutesOptions {
  models: Models;
  usage: UsageRepository;
  budgets: BudgetRepository;
  keys: ApiKeyRepository;
  /** What a question that names no size is priced for (EASEL_MODELS_TYPICAL_*). */
  typicalRequest: { inputTokens: number; outputTokens: number };
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

/** A question and the size it is priced for: `priced` names every size that counts for its task, `assumed` those the question left out. */
interface PricedRoute {
  route: RouteRequest;
  priced: Record<string, number | string>;
  assumed: string[];
}

/**
 * Sizes the question leaves out are priced on a typical request, never on 0: at 0 tokens
 * every model costs $0, and balanced would pick the most expensive one as "no dearer".
 */
function toRoute(q: RouteQuestion, typical: ModelRoutesOptions['typicalRequest']): PricedRoute {
  const route: RouteRequest = {
    task: q.task,
    tier: q.tier,
    latency: q.latency,
    strategy: q.strategy,
    residency: q.residency,
    estimate: { inputTokens: q.inputTokens ?? typical.inputTokens, outputTokens: q.outputTokens ?? typical.outputTokens, images: q.images, width: q.width, height: q.height, quality: q.quality },
  };
  const { estimate } = forSingleModelTasks(route);
  const priced: Record<string, number | string> =
    q.task === 'image'
      ? { images: estimate.images ?? 1, width: estimate.width ?? 1024, height: estimate.height ?? 1024, quality: estimate.quality ?? 'standard' }
      : q.task === 'embedding'
        ? { inputTokens: estimate.inputTokens }
        : { inputTokens: estimate.inputTokens, outputTokens: estimate.outputTokens };
  return { route, priced, assumed: Object.keys(priced).filter((field) => q[field as keyof RouteQuestion] === undefined) };
}

/** The reasoning, with the size it priced and, when some was assumed, how to give the real one. */
function sized(reasoning: string, { priced, assumed }: PricedRoute): string {
  const size = Object.entries(priced).map(([field, value]) => `${field} ${value}`).join(', ');
  return assumed.length === 0 ? `${reasoning} Priced for ${size}.` : `${reasoning} Priced for ${size}; assumed ${assumed.join(', ')} (send them to price your own request).`;
}

const PERIODS = { daily: 1, weekly: 7 } as const;
type Period = 'daily' | 'weekly' | 'monthly';
const periodQuery = { type: 'object', additionalProperties: false, properties: { period: { enum: ['daily', 'weekly', 'monthly'], default: 'monthly' }, app: appId } } as const;

/** Calendar periods in UTC: today, the last 7 days with today, this month (the budget's month). */
function periodRange(period: Period, now: Date): { since: string; until: string } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const since = period === 'monthly' ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)) : new Date(today - (PERIODS[period] - 1) * 86_400_000);
  return { since: since.toISOString(), until: new Date(now.getTime() + 1).toISOString() };
}

export const modelRoutes: FastifyPluginAsync<ModelRoutesOptions> = async (app, { models, usage, budgets, keys, typicalRequest }) => {
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

  app.post<{ Body: RouteQuestion & { userId?: string; app?: string } }>(
    '/v1/models/select',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['task'], properties: { ...routeFields, userId, app: appId } } } },
    async (req) => {
      const question = toRoute(req.body, typicalRequest);
      const inApp = appOf(req.principal, req.body.app);
      if (req.body.userId !== undefined && inApp === undefined) {
        throw new EaselError('REQUEST_INVALID', { reason: 'user ids are per app: name the app of userId' }, { problems: [{ path: '/body/app', message: 'required with userId for an admin key' }] });
      }
      const decision = await models.router.decide(question.route, req.body.userId === undefined || inApp === undefined ? undefined : { appId: inApp, userId: req.body.userId });
      const [first, ...fallbacks] = decision.candidates;
      if (!first) throw noCandidate(req.body.task, decision);
      const view = (c: typeof first) => ({ id: c.model.id, name: c.model.name, tier: c.model.tier, estimatedCost: c.estimatedCost });
      return {
        strategy: decision.strategy,
        model: view(first),
        estimatedCost: first.estimatedCost,
        priced: question.priced,
        assumed: question.assumed,
        reasoning: sized(decision.reasoning, question),
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
      const question = toRoute(req.query, typicalRequest);
      const { priced, assumed } = question;
      const route = forSingleModelTasks(question.route);
      if (req.query.model !== undefined) {
        const model = catalog.models.find((m) => m.id === req.query.model);
        if (!model) throw new EaselError('MODEL_NOT_FOUND', { model: req.query.model });
        const cost = model.tasks.includes(route.task) ? costOf(model, route.task, route.estimate) : undefined;
        if (cost === undefined) throw new EaselError('MODEL_REQUEST_INVALID', { reason: `${model.id} cannot price ${route.task} at this size` }, { field: 'task' });
        return { task: route.task, priced, assumed, estimates: [{ model: model.id, costUsd: cost }] };
      }
      const decision = await models.router.decide(question.route);
      return {
        task: route.task,
        strategy: decision.strategy,
        priced,
        assumed,
        estimates: decision.candidates.map((c) => ({ model: c.model.id, costUsd: c.estimatedCost })),
        reasoning: sized(decision.reasoning, question),
      };
    },
  );

  app.get<{ Params: { userId: string }; Querystring: { period?: Period; app?: string } }>(
    '/v1/models/usage/:userId/stats',
    { schema: { params: { type: 'object', required: ['userId'], properties: { userId } }, querystring: periodQuery } },
    async (req) => {
      const inApp = appOf(req.principal, req.query.app);
      if (inApp === undefined) {
        throw new EaselError('REQUEST_INVALID', { reason: 'user ids are per app: name the app with ?app=' }, { problems: [{ path: '/querystring/app', message: 'required for an admin key' }] });
      }
      const user = { appId: inApp, userId: req.params.userId };
      const now = new Date();
      const period = req.query.period ?? 'monthly';
      const { since, until } = periodRange(period, now);
      const stats = await usage.stats(user, since, until);
      const month = monthOf(now.getTime());
      return { period, ...stats, budget: await budgets.get(user, month), appBudget: await budgets.get({ appId: inApp }, month) };
    },
  );

  // The app as a whole: every user and key of it together.
  app.get<{ Querystring: { period?: Period; app?: string } }>('/v1/models/usage/stats', { schema: { querystring: periodQuery } }, async (req) => {
    const inApp = appOf(req.principal, req.query.app);
    if (inApp === undefined) {
      throw new EaselError('REQUEST_INVALID', { reason: 'name the app with ?app=' }, { problems: [{ path: '/querystring/app', message: 'required for an admin key' }] });
    }
    const now = new Date();
    const period = req.query.period ?? 'monthly';
    const { since, until } = periodRange(period, now);
    const stats = await usage.stats({ appId: inApp }, since, until);
    return { period, ...stats, appBudget: await budgets.get({ appId: inApp }, monthOf(now.getTime())) };
  });

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
