/**
 * The cost report (admin and app keys): `GET /v1/usage/report` sums model usage over a period,
 * per day, app, user, plugin and model, with the cache's hits and savings, the router's
 * fallbacks, cooldowns and quota waits, the budgets set and what is unreconciled. An admin sees
 * every app or one (`?app=`); an app key sees its own app only, and naming another app answers
 * APP_NOT_FOUND, as one that does not exist. Its figures are those of the usage stats routes
 * for the same app, user and period (the same rows, summed the same way).
 */
import type { FastifyPluginAsync } from 'fastify';
import { appOf, requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyRepository, UsageRepository } from '../../store/index.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { appId } from '../schemas.ts';

export interface UsageReportRoutesOptions {
  usage: UsageRepository;
  keys: ApiKeyRepository;
  /** Longest period, in days (EASEL_USAGE_REPORT_MAX_DAYS). */
  maxDays: number;
  /** Most users and budgets listed (EASEL_USAGE_REPORT_TOP). */
  top: number;
}

const DAY_MS = 86_400_000;
/** The period when the request names none: the last 30 days. */
const DEFAULT_DAYS = 30;

const instant = { type: 'string', format: 'date-time', maxLength: 40 } as const;
const count = { type: 'integer', minimum: 0 } as const;
const usd = { type: 'number', minimum: 0 } as const;
const row = (required: readonly string[], properties: Record<string, unknown>) =>
  ({ type: 'array', items: { type: 'object', additionalProperties: false, required, properties } }) as const;

const querystring = { type: 'object', additionalProperties: false, properties: { from: instant, to: instant, app: appId } } as const;

const report = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to', 'totals', 'byDay', 'byApp', 'byUser', 'byPlugin', 'byModel', 'cache', 'routing', 'budgets', 'unreconciled'],
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    app: { type: 'string' },
    totals: {
      type: 'object',
      additionalProperties: false,
      required: ['calls', 'failedCalls', 'costUsd', 'inputTokens', 'outputTokens'],
      properties: { calls: count, failedCalls: count, costUsd: usd, inputTokens: count, outputTokens: count },
    },
    byDay: row(['day', 'calls', 'costUsd', 'inputTokens', 'outputTokens'], { day: { type: 'string', format: 'date' }, calls: count, costUsd: usd, inputTokens: count, outputTokens: count }),
    byApp: row(['app', 'calls', 'costUsd'], { app: { type: 'string' }, calls: count, costUsd: usd }),
    byUser: row(['app', 'user', 'calls', 'costUsd'], { app: { type: 'string' }, user: { type: 'string' }, calls: count, costUsd: usd }),
    byPlugin: row(['plugin', 'calls', 'costUsd'], { plugin: { type: 'string' }, calls: count, costUsd: usd }),
    byModel: row(['model', 'calls', 'costUsd', 'inputTokens', 'outputTokens'], { model: { type: 'string' }, calls: count, costUsd: usd, inputTokens: count, outputTokens: count }),
    cache: {
      type: 'object',
      additionalProperties: false,
      required: ['hits', 'misses', 'hitRate', 'savedUsd'],
      properties: { hits: count, misses: count, hitRate: { type: 'number', minimum: 0, maximum: 1 }, savedUsd: usd },
    },
    routing: { type: 'object', additionalProperties: false, required: ['fallbacks', 'cooldowns', 'quotaWaits'], properties: { fallbacks: count, cooldowns: count, quotaWaits: count } },
    budgets: row(['scope', 'app', 'month', 'limitUsd', 'spentUsd', 'reservedUsd'], {
      scope: { type: 'string', enum: ['app', 'user'] },
      app: { type: 'string' },
      user: { type: 'string' },
      month: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}$' },
      limitUsd: usd,
      spentUsd: usd,
      reservedUsd: usd,
    }),
    unreconciled: { type: 'object', additionalProperties: false, required: ['calls', 'costUsd'], properties: { calls: count, costUsd: usd } },
  },
} as const;

const schema = routeSchema({
  tag: 'models',
  summary: 'The cost report',
  description: 'Model usage summed over a period (default: the last 30 days; at most EASEL_USAGE_REPORT_MAX_DAYS) per day, app, user, plugin and model, with cache hits and savings, fallbacks, cooldowns, quota waits, budgets and unreconciled spend. An admin sees every app or one (app); an app key its own app only.',
  audience: 'any-key',
  querystring,
  ok: { 200: json('the report', report) },
  errors: ['APP_NOT_FOUND'],
});

const invalid = (path: string, message: string, reason: string) => new EaselError('REQUEST_INVALID', { reason }, { problems: [{ path, message }] });

export const usageReportRoutes: FastifyPluginAsync<UsageReportRoutesOptions> = async (app, { usage, keys, maxDays, top }) => {
  app.addHook('onRequest', requireRole(keys, ['admin', 'app']));

  app.get<{ Querystring: { from?: string; to?: string; app?: string } }>('/v1/usage/report', { schema }, async (req) => {
    const q = req.query;
    const inApp = appOf(req.principal, q.app);
    const now = Date.now();
    const toMs = q.to === undefined ? now : Date.parse(q.to);
    const fromMs = q.from === undefined ? toMs - DEFAULT_DAYS * DAY_MS : Date.parse(q.from);
    if (fromMs >= toMs) throw invalid('/querystring/to', 'must be after from', 'the period must end after it starts: to must be after from');
    if (toMs - fromMs > maxDays * DAY_MS) throw invalid('/querystring/from', `must be at most ${maxDays} days before to`, `the period is longer than ${maxDays} days (EASEL_USAGE_REPORT_MAX_DAYS)`);
    const from = new Date(fromMs).toISOString();
    const to = new Date(toMs).toISOString();
    // Budgets show the month of the period's last instant, or this month for a period that reaches past now.
    const budgetMonth = new Date(Math.min(toMs - 1, now)).toISOString().slice(0, 7);
    const report = await usage.report({ ...(inApp === undefined ? {} : { appId: inApp }), since: from, until: to, top, budgetMonth });
    return { from, to, ...(inApp === undefined ? {} : { app: inApp }), ...report };
  });
};
