/** Response shapes of the model routes: the catalog, routing decisions, estimates, usage and health. */
import { amount, bool, count, list, object, text, texts, time } from './common.ts';
import { budgetStatus } from './tenancy.ts';

const catalogEntry = {
  id: { ...text, description: 'the id to call from Seoul: plain, `apac.` or `global.` inference profile' },
  name: text,
  provider: text,
  tasks: texts,
  tier: { enum: ['basic', 'standard', 'premium'] },
  quality: { ...amount, description: 'relative quality, 1–100, within a tier' },
  latency: { enum: ['fast', 'standard', 'slow'] },
  residency: { enum: ['in-region', 'apac', 'global'] },
  available: bool,
  unavailableReason: text,
  contextWindow: count,
  maxOutputTokens: count,
  prices: object({
    inputPer1k: { ...amount, description: 'USD per 1,000 input tokens' },
    outputPer1k: { ...amount, description: 'USD per 1,000 output tokens' },
    images: list(object({ maxPixels: count, standard: amount, premium: amount }, ['maxPixels', 'standard', 'premium']), 'image prices by size bracket, smallest first'),
  }),
  quotas: object({ rpm: count, tpm: count }, ['rpm', 'tpm']),
  imageSizes: texts,
  dimensions: list(count),
  notes: text,
} as const;

export const catalog = object(
  {
    region: text,
    currency: { const: 'USD' },
    verifiedAt: text,
    sources: texts,
    target: { enum: ['bedrock', 'emulator'] },
    models: list(
      object({ ...catalogEntry, cooling: { ...bool, description: 'cooling down after failures now' } }, ['id', 'name', 'provider', 'tasks', 'tier', 'quality', 'latency', 'residency', 'available', 'contextWindow', 'prices', 'quotas', 'cooling']),
      'every catalog model, unavailable ones included',
    ),
  },
  ['region', 'currency', 'verifiedAt', 'sources', 'target', 'models'],
);

/** The sizes a question was priced for: those that count for its task. */
const priced = object({ inputTokens: count, outputTokens: count, images: count, width: count, height: count, quality: { enum: ['standard', 'premium'] } }, [], 'the sizes it priced');
const assumed = { ...texts, description: 'the sizes the question left out, priced on a typical request' };

const choice = object({ id: text, name: text, tier: text, estimatedCost: amount }, ['id', 'name', 'tier', 'estimatedCost']);
const excluded = list(object({ modelId: text, reason: text }, ['modelId', 'reason']));

export const selection = object(
  {
    strategy: text,
    model: choice,
    estimatedCost: amount,
    priced,
    assumed,
    reasoning: text,
    alternatives: list(choice, 'the fallbacks, in order'),
    excluded,
    budget: { ...text, description: 'how the budget policy changed the route' },
  },
  ['strategy', 'model', 'estimatedCost', 'priced', 'assumed', 'reasoning', 'alternatives', 'excluded'],
);

export const estimate = object(
  {
    task: text,
    strategy: { ...text, description: 'without `model`' },
    priced,
    assumed,
    estimates: list(object({ model: text, costUsd: amount }, ['model', 'costUsd']), 'for `model`, or every candidate in strategy order'),
    reasoning: { ...text, description: 'without `model`' },
  },
  ['task', 'priced', 'assumed', 'estimates'],
);

const totals = {
  calls: count,
  cachedCalls: count,
  failedCalls: count,
  unreconciledCalls: { ...count, description: 'calls a host process died with in flight, charged at their holds' },
  unreconciledUsd: amount,
  costUsd: amount,
  inputTokens: count,
  outputTokens: count,
  images: count,
} as const;
const totalsRequired = Object.keys(totals);

const statsFields = {
  period: { enum: ['daily', 'weekly', 'monthly'] },
  appId: text,
  since: time,
  until: time,
  ...totals,
  byModel: list(object({ modelId: text, ...totals }, ['modelId', ...totalsRequired])),
  byPlugin: list(object({ pluginName: text, ...totals }, ['pluginName', ...totalsRequired])),
  byDay: list(object({ day: text, ...totals }, ['day', ...totalsRequired]), 'one entry per UTC day with usage, oldest first'),
  appBudget: budgetStatus,
} as const;
const statsRequired = ['period', 'appId', 'since', 'until', ...totalsRequired, 'byModel', 'byPlugin', 'byDay', 'appBudget'];

export const appUsage = object(statsFields, statsRequired);

export const userUsage = object({ ...statsFields, userId: text, budget: budgetStatus }, [...statsRequired, 'userId', 'budget']);

export const health = object(
  {
    target: { enum: ['bedrock', 'emulator'] },
    region: text,
    models: list(
      object(
        {
          modelId: text,
          name: text,
          calls: count,
          errors: count,
          errorRate: amount,
          p50LatencyMs: amount,
          p95LatencyMs: amount,
          lastError: object({ kind: text, at: time }, ['kind', 'at']),
          cooling: bool,
          coolingUntil: time,
          coolingReason: text,
        },
        ['modelId', 'name', 'calls', 'errors', 'errorRate', 'cooling'],
      ),
      'available models; counts cover this process over EASEL_MODELS_HEALTH_WINDOW_MS',
    ),
  },
  ['target', 'region', 'models'],
);
