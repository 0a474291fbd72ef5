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
import { json, routeSchema } from '../openapi/route-schema.ts';
import { appUsage, catalog as catalogShape, estimate, health, selection, userUsage } from '../openapi/shapes/models.ts';
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
const periodQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    period: { enum: ['daily', 'weekly', 'monthly'], default: 'monthly', description: 'UTC: today, the last 7 days with today, this month' },
    app: { ...appId, description: 'required with an admin key; an app key naming another app gets APP_NOT_FOUND' },
  },
} as const;
const tag = 'models';
const ROUTING_ERRORS = ['MODEL_NO_CANDIDATE', 'MODELS_COOLING', 'MODEL_QUOTA_EXHAUSTED'] as const;

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

  const listed = routeSchema({ tag, summary: 'The model catalog', description: 'Every catalog model, unavailable ones included, and whether each is cooling down now.', audience: 'any-key', ok: { 200: json('the catalog', catalogShape) } });
  app.get('/v1/models', { schema: listed }, async () => {
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
    {
      schema: routeSchema({
        tag,
        summary: 'Ask which model the router would pick',
        description: 'The routing decision with its reasoning, fallbacks in order and the models left out, priced for the size given (or a typical request). With `userId`, the budget policy of that user and its app applies (an admin key names the app too).',
        audience: 'any-key',
        body: { type: 'object', additionalProperties: false, required: ['task'], properties: { ...routeFields, userId, app: appId } },
        ok: { 200: json('the decision', selection) },
        errors: [...ROUTING_ERRORS, 'APP_NOT_FOUND'],
      }),
    },
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
    {
      schema: routeSchema({
        tag,
        summary: 'Estimate what a call would cost',
        description: 'With `model`: that model’s price for the call. Without: every candidate in strategy order. No budget policy applies.',
        audience: 'any-key',
        querystring: { type: 'object', additionalProperties: false, required: ['task'], properties: { ...routeFields, model: { type: 'string', maxLength: 200, description: 'a catalog id' } } },
        ok: { 200: json('the estimates', estimate) },
        errors: ['MODEL_NOT_FOUND', 'MODEL_REQUEST_INVALID'],
      }),
    },
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
    {
      schema: routeSchema({
        tag,
        summary: 'Usage of one user of an app',
        description: 'Calls, tokens, images and cost over the period, by model, plugin and day, with the user’s and the app’s budget status.',
        audience: 'any-key',
        params: { type: 'object', required: ['userId'], properties: { userId } },
        querystring: periodQuery,
        ok: { 200: json('the usage', userUsage) },
        errors: ['APP_NOT_FOUND'],
      }),
    },
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
  const appStats = routeSchema({
    tag,
    summary: 'Usage of an app',
    description: 'The same totals and breakdowns for the whole app: every user and key of it.',
    audience: 'any-key',
    querystring: periodQuery,
    ok: { 200: json('the usage', appUsage) },
    errors: ['APP_NOT_FOUND'],
  });
  app.get<{ Querystring: { period?: Period; app?: string } }>('/v1/models/usage/stats', { schema: appStats }, async (req) => {
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

  const healthSchema = routeSchema({ tag, summary: 'Model health', description: 'Calls, errors and latency per available model over EASEL_MODELS_HEALTH_WINDOW_MS in this process, and cooldowns (shared through router-state.db).', audience: 'any-key', ok: { 200: json('the health', health) } });
  app.get('/v1/models/health', { schema: healthSchema }, async () => {
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
