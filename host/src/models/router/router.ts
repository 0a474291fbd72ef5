/**
 * One routed model call: decide (select.ts), then walk the candidates in order. At each hop
 * the budget is held for what that model can bill at most, the model's quota buckets are
 * taken, the call is sent; throttling, timeouts and 5xx move on to the next candidate after
 * a backoff and may cool the model down. Every attempt that reached a provider writes a
 * usage row, which also settles the budget hold.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { costOf } from '../cost.ts';
import type { Cooldown, RouterStateRepository } from '../state/types.ts';
import type { BudgetRepository, BudgetStatus, UsageRepository } from '../../store/index.ts';
import { cancelledBy, EaselError } from '../../errors/index.ts';
import { type CatalogModel, type Catalog, type Residency, type RouteRequest, type Strategy, TIERS } from '../types.ts';
import type { FailureKind, ModelHealth } from './health.ts';
import { type ModelCacheResult, type ModelEventSink, outcomeOf } from '../events.ts';
import { type ProviderError, toProviderError } from '../providers/bedrock.ts';
import { select, type Selection } from './select.ts';

export interface RouterOptions {
  residency: Residency;
  defaultStrategy: Strategy;
  balancedCostFactor: number;
  callTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long a call may wait for quota before it is refused (spreading a burst). */
  quotaMaxWaitMs: number;
  /** Our buckets refill this share slower than the provider's (clock skew, network delay). */
  quotaSafety: number;
  /** Share of the monthly budget spent past which calls are routed cost-first one tier lower... */
  budgetDowngradeAt: number;
  /** ...and past which they are routed to the basic tier. */
  budgetBasicAt: number;
}

/** Whom a call is billed to: a user of an app (user ids are namespaced per app). */
export interface BilledUser {
  appId: string;
  userId: string;
}

export interface CallMeta extends BilledUser {
  pluginName?: string;
  executionId?: string;
  /** The workflow step that made the call, if any (its cost is the step's). */
  stepId?: string;
  signal?: AbortSignal;
  purpose?: 'call' | 'cache-embedding';
  /** The call looked in the cache and missed: its first usage row says so (the cost report's misses). */
  cacheMiss?: boolean;
}

/** What a routed call tells the cost report once, on the first usage row it writes. */
interface Carry {
  cacheMiss: boolean;
  quotaWaits: number;
}

export interface Billing {
  inputTokens: number;
  outputTokens: number;
  images: number;
}

export interface Attempt {
  modelId: string;
  outcome: 'ok' | 'failed' | 'quota' | 'budget';
  kind?: string;
  /** The provider's error name, or OutputInvalid when an answer failed the requested schema. */
  error?: string;
  /** What the call would have held on this model's budget (outcome `budget`). */
  holdUsd?: number;
  retryAfterMs?: number;
  latencyMs?: number;
}

export interface RouteCall<T> {
  route: RouteRequest;
  /** Upper bound of the input tokens the call can bill (holds the budget). */
  maxInputTokens: number;
  /**
   * Sends to one model. Without `billing` in the answer the call is a stream: settle later.
   * `invalid` (with billing) marks a billed answer that failed the requested schema: it is
   * paid for, and the next candidate is tried.
   */
  send(model: CatalogModel, signal: AbortSignal): Promise<{ value: T; billing?: Billing; invalid?: string }>;
  /** Whether a cache was asked first (`miss`) or not (`bypass`, the default), for the call's event. */
  cache?: Exclude<ModelCacheResult, 'hit'>;
}

export interface Routed<T> {
  value: T;
  model: CatalogModel;
  costUsd: number;
  decision: Selection;
  attempts: Attempt[];
  latencyMs: number;
  /** Present for streams: records the usage row once the stream ends; returns the cost. */
  settle?: (outcome: { billing: Billing; errorCode?: string }) => Promise<number>;
}

export interface RouterDeps {
  catalog: Catalog;
  state: RouterStateRepository;
  budgets: BudgetRepository;
  usage: UsageRepository;
  health: ModelHealth;
  options: RouterOptions;
  now?: () => number;
  log?: { warn(fields: object, message: string): void };
  /** Told of every call sent, fallback, cooldown, quota wait and budget refusal (metrics). */
  onEvent?: ModelEventSink;
}

/** The last failed send of a route, until the next send falls back from it. */
interface FallbackFrom {
  from: { modelId: string; reason: FailureKind } | undefined;
}

export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/** Why a decision has no candidate: all cooling (429 with retryAfterMs), or none qualifies. */
export function noCandidate(task: RouteRequest['task'], decision: Selection): EaselError {
  const soonest = decision.cooling[0];
  if (soonest) return new EaselError('MODELS_COOLING', { task }, { retryAfterMs: soonest.retryAfterMs, cooling: decision.cooling });
  return new EaselError('MODEL_NO_CANDIDATE', { reason: decision.reasoning }, { excluded: decision.excluded });
}

const usedShare = (budget: BudgetStatus): number =>
  budget.monthlyUsd === undefined || budget.monthlyUsd <= 0 ? 0 : (budget.spentUsd + budget.reservedUsd) / budget.monthlyUsd;

/** Of the user's budget and its app's, the one closer to its limit (it is the one that binds). */
export function tighterBudget(user: BudgetStatus, app: BudgetStatus): BudgetStatus {
  return usedShare(app) > usedShare(user) ? app : user;
}

/** The budget policy: near the limit, route cheaper. Returns the adjusted request and why. */
export function applyBudgetPolicy(route: RouteRequest, budget: BudgetStatus, options: RouterOptions): { route: RouteRequest; note?: string } {
  if (budget.monthlyUsd === undefined || budget.monthlyUsd <= 0) return { route };
  const used = usedShare(budget);
  const percent = `${budget.scope === 'app' ? 'app ' : ''}budget ${Math.round(used * 100)}% used`;
  if (used >= options.budgetBasicAt) {
    return { route: { ...route, tier: 'basic', strategy: 'cost-first' }, note: `${percent}: routed cost-first at the basic tier` };
  }
  if (used >= options.budgetDowngradeAt) {
    const lower = TIERS[Math.max(0, TIERS.indexOf(route.tier ?? 'basic') - 1)];
    return { route: { ...route, tier: lower, strategy: 'cost-first' }, note: `${percent}: routed cost-first from tier ${lower} up` };
  }
  return { route };
}

export class ModelRouter {
  #deps: RouterDeps;
  #now: () => number;

  constructor(deps: RouterDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  get catalog(): Catalog {
    return this.#deps.catalog;
  }

  /** The decision alone (no call, nothing held): `POST /v1/models/select`, previews. */
  async decide(route: RouteRequest, user?: BilledUser): Promise<Selection & { budgetNote?: string }> {
    const now = this.#now();
    let effective = route;
    let budgetNote: string | undefined;
    if (user !== undefined) {
      const month = monthOf(now);
      const { budgets } = this.#deps;
      const budget = tighterBudget(await budgets.get(user, month), await budgets.get({ appId: user.appId }, month));
      const policy = applyBudgetPolicy(route, budget, this.#deps.options);
      effective = policy.route;
      budgetNote = policy.note;
    }
    const cooling = await this.#deps.state.cooling(now);
    const decision = this.#select(effective, cooling, now);
    return budgetNote ? { ...decision, reasoning: `${budgetNote}. ${decision.reasoning}`, budgetNote } : decision;
  }

  #select(route: RouteRequest, cooling: Cooldown[], nowMs: number): Selection {
    const { options } = this.#deps;
    return select(this.#deps.catalog, route, {
      residency: options.residency,
      balancedCostFactor: options.balancedCostFactor,
      defaultStrategy: options.defaultStrategy,
      cooling,
      nowMs,
    });
  }

  async route<T>(call: RouteCall<T>, meta: CallMeta): Promise<Routed<T>> {
    const started = this.#now();
    const decision = await this.decide(call.route, { appId: meta.appId, userId: meta.userId });
    if (decision.candidates.length === 0) throw noCandidate(call.route.task, decision);
    const attempts: Attempt[] = [];
    const deadline = started + this.#deps.options.quotaMaxWaitMs;
    const carry: Carry = { cacheMiss: meta.cacheMiss === true, quotaWaits: 0 };
    let budget: BudgetStatus | undefined;
    // The failure the next send falls back from, kept across passes (a quota wait may sit in between).
    const fallback: FallbackFrom = { from: undefined };
    for (;;) {
      const pass = await this.#pass(call, meta, decision, attempts, carry, fallback);
      budget = pass.budget ?? budget;
      if (pass.done) return { ...pass.done, decision, attempts, latencyMs: this.#now() - started };
      // Nothing went out because every candidate lacked quota: spread the burst by waiting,
      // when the wait fits; never send what the provider would throttle.
      const wait = pass.quotaWaitMs;
      if (wait === undefined || !Number.isFinite(wait) || this.#now() + wait > deadline) break;
      this.#deps.onEvent?.({ type: 'model.quota-waited', task: call.route.task, waitMs: wait });
      await sleep(wait, undefined, { signal: meta.signal }).catch((error: unknown) => {
        throw this.#aborted(error, meta.signal);
      });
      carry.quotaWaits += 1;
    }
    throw await this.#failure(call, attempts, budget);
  }

  #aborted(error: unknown, signal: AbortSignal | undefined): EaselError {
    const e = toProviderError(error);
    if (e.kind === 'aborted') return modelCallCancelled(signal);
    this.#deps.log?.warn({ error: e.message }, 'a wait between model calls failed');
    return new EaselError('INTERNAL_ERROR', { reference: 'the execution or request id' });
  }

  async #failure(call: RouteCall<unknown>, attempts: Attempt[], budget?: BudgetStatus): Promise<EaselError> {
    const details = { attempts };
    const sent = attempts.filter((a) => a.outcome === 'failed');
    // A fallback chain cut short by the budget is a budget failure, whatever stopped the models before.
    const refused = attempts.filter((a) => a.outcome === 'budget');
    if (refused.length > 0 && budget) {
      const callUsd = Math.min(...refused.map((a) => a.holdUsd ?? Infinity));
      this.#deps.onEvent?.({ type: 'model.budget-refused', task: call.route.task, scope: budget.scope });
      return new EaselError('BUDGET_EXCEEDED', { scope: budget.scope === 'app' ? 'app' : 'user' }, {
        ...details,
        scope: budget.scope,
        monthlyUsd: budget.monthlyUsd,
        spentUsd: budget.spentUsd,
        reservedUsd: budget.reservedUsd,
        callUsd,
      });
    }
    if (sent.length === 0) {
      const waits = attempts.filter((a) => a.outcome === 'quota').map((a) => a.retryAfterMs ?? Infinity);
      const retryAfterMs = Math.min(...waits);
      if (attempts.some((a) => a.outcome === 'quota')) {
        return new EaselError('MODEL_QUOTA_EXHAUSTED', { task: call.route.task }, {
          ...details,
          ...(Number.isFinite(retryAfterMs) ? { retryAfterMs } : {}),
        });
      }
    }
    if (sent.length > 0 && sent.every((a) => a.error === 'OutputInvalid')) {
      return new EaselError('MODEL_OUTPUT_INVALID', {}, details);
    }
    const cooling = await this.#deps.state.cooling(this.#now());
    const tried = new Set(sent.map((a) => a.modelId));
    const coolingTried = cooling.filter((c) => tried.has(c.modelId));
    if (tried.size > 0 && coolingTried.length === tried.size) {
      const retryAfterMs = Math.max(1, Math.min(...coolingTried.map((c) => c.untilMs - this.#now())));
      return new EaselError('MODELS_COOLING', { task: call.route.task }, { ...details, retryAfterMs });
    }
    return new EaselError('MODEL_CALL_FAILED', { reason: `every candidate ${call.route.task} model failed` }, details);
  }

  /** One walk over the candidates. */
  async #pass<T>(
    call: RouteCall<T>,
    meta: CallMeta,
    decision: Selection,
    attempts: Attempt[],
    carry: Carry,
    fallback: FallbackFrom,
  ): Promise<{ done?: { value: T; model: CatalogModel; costUsd: number; settle?: Routed<T>['settle'] }; quotaWaitMs?: number; budget?: BudgetStatus }> {
    const { state, budgets, options } = this.#deps;
    const { task, estimate } = call.route;
    let quotaWaitMs: number | undefined;
    let sentAny = false;
    let budget: BudgetStatus | undefined;
    let failures = attempts.filter((a) => a.outcome === 'failed').length;
    for (const { model } of decision.candidates) {
      if (meta.signal?.aborted) throw modelCallCancelled(meta.signal);
      // Back off before holding budget or quota, so a cancel during the wait leaves nothing held.
      if (failures > 0) {
        const backoff = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** (failures - 1));
        await sleep(backoff * (0.5 + Math.random() * 0.5), undefined, { signal: meta.signal }).catch((error: unknown) => {
          throw this.#aborted(error, meta.signal);
        });
      }
      const month = monthOf(this.#now());
      const bound = { ...estimate, inputTokens: call.maxInputTokens };
      const hold = costOf(model, task, bound) ?? 0;
      // The hold and its reservation row, which a later start charges if this process dies
      // with the call in flight: the worst case it prices is what such a row is billed.
      // Who and what for: the same on the reservation and on the usage row that settles it.
      const billedTo = { appId: meta.appId, userId: meta.userId, pluginName: meta.pluginName, executionId: meta.executionId, stepId: meta.stepId, task, modelId: model.id, purpose: meta.purpose ?? 'call' };
      const reserved = await budgets.reserve({
        ...billedTo,
        month,
        amountUsd: hold,
        inputTokens: task === 'image' ? 0 : bound.inputTokens,
        outputTokens: task === 'text' || task === 'structured' ? bound.outputTokens : 0,
        images: task === 'image' ? (bound.images ?? 1) : 0,
      });
      if (!reserved.ok) {
        attempts.push({ modelId: model.id, outcome: 'budget', holdUsd: hold });
        budget = reserved.status;
        continue;
      }
      const { reservationId } = reserved;
      const quotaTokens = estimate.inputTokens + (task === 'text' || task === 'structured' ? estimate.outputTokens : 0);
      const limits = { ...model.quotas, refillMs: 60_000 * (1 + options.quotaSafety) };
      const taken = await state.take(model.id, limits, quotaTokens, this.#now());
      if (!taken.ok) {
        await budgets.release(reservationId);
        attempts.push({ modelId: model.id, outcome: 'quota', kind: taken.limit, retryAfterMs: taken.retryAfterMs });
        quotaWaitMs = Math.min(quotaWaitMs ?? Infinity, taken.retryAfterMs);
        continue;
      }
      sentAny = true;
      if (fallback.from) {
        this.#deps.onEvent?.({ type: 'model.fallback', task, modelId: fallback.from.modelId, reason: fallback.from.reason });
        fallback.from = undefined;
      }
      const isFallback = failures > 0;
      const started = this.#now();
      const signal = meta.signal ? AbortSignal.any([meta.signal, AbortSignal.timeout(options.callTimeoutMs)]) : AbortSignal.timeout(options.callTimeoutMs);
      const record = (billing: Billing, costUsd: number, errorCode?: string, cooled = false) => {
        const latencyMs = Math.round(this.#now() - started);
        // Announced where its usage row is written: every call that reached a provider, once.
        this.#deps.onEvent?.({ type: 'model.called', task, modelId: model.id, outcome: outcomeOf(errorCode), cache: call.cache ?? 'bypass', latencyMs, ...billing, costUsd });
        // The cache miss and the quota waits count once per call: on the first row it writes.
        const once = { cacheMiss: carry.cacheMiss, quotaWaits: carry.quotaWaits };
        carry.cacheMiss = false;
        carry.quotaWaits = 0;
        return this.#deps.usage.record(
          { ...billedTo, ...billing, costUsd, status: errorCode ? 'failed' : 'ok', errorCode, latencyMs, ...once, fallback: isFallback, cooled },
          { reservationId, month },
        );
      };
      try {
        const answer = await call.send(model, signal);
        if (answer.billing && answer.invalid) {
          const costUsd = costOf(model, task, { ...estimate, ...answer.billing }) ?? 0;
          await record(answer.billing, costUsd, 'MODEL_OUTPUT_INVALID');
          // Not counted against the model's health: a schema one plugin makes too hard must not cool it for everyone.
          attempts.push({ modelId: model.id, outcome: 'failed', kind: 'invalid', error: 'OutputInvalid', latencyMs: this.#now() - started });
          fallback.from = { modelId: model.id, reason: 'invalid' };
          failures += 1;
          continue;
        }
        if (answer.billing) {
          const costUsd = costOf(model, task, { ...estimate, ...answer.billing }) ?? 0;
          this.#deps.health.succeeded(model.id, this.#now() - started, this.#now());
          await record(answer.billing, costUsd);
          attempts.push({ modelId: model.id, outcome: 'ok', latencyMs: this.#now() - started });
          return { done: { value: answer.value, model, costUsd } };
        }
        attempts.push({ modelId: model.id, outcome: 'ok' });
        const settle = async (outcome: { billing: Billing; errorCode?: string }) => {
          const costUsd = costOf(model, task, { ...estimate, ...outcome.billing }) ?? 0;
          // A cancel is the caller's doing: it says nothing of the model's health.
          let cooled = false;
          if (outcome.errorCode === 'MODEL_STREAM_BROKEN') cooled = await this.#cool(model.id, 'stream', started);
          else if (!outcome.errorCode) this.#deps.health.succeeded(model.id, this.#now() - started, this.#now());
          await record(outcome.billing, costUsd, outcome.errorCode, cooled);
          return costUsd;
        };
        return { done: { value: answer.value, model, costUsd: 0, settle } };
      } catch (error) {
        const failure = error instanceof EaselError ? undefined : toProviderError(error, signal);
        const code = error instanceof EaselError ? error.code : failure?.kind === 'invalid' ? 'MODEL_REQUEST_INVALID' : 'MODEL_CALL_FAILED';
        const cancelled = failure?.kind === 'aborted' ? modelCallCancelled(meta.signal) : undefined;
        // A failure the next candidate may answer cools this model (or counts towards it) before
        // the row is written, so the row can say whether it did.
        const cooled = failure !== undefined && failure.kind !== 'aborted' && failure.retryable ? await this.#cool(model.id, failure.kind, started) : false;
        await record({ inputTokens: 0, outputTokens: 0, images: 0 }, 0, cancelled?.code ?? code, cooled);
        if (cancelled) throw cancelled;
        if (!failure) throw error;
        attempts.push({ modelId: model.id, outcome: 'failed', kind: failure.kind, error: failure.providerCode, latencyMs: this.#now() - started });
        if (!failure.retryable) {
          // The provider's own text stays in the log: it may quote the request.
          this.#deps.log?.warn({ modelId: model.id, providerCode: failure.providerCode, message: failure.message }, 'the provider refused a model request');
          throw new EaselError(failure.kind === 'invalid' ? 'MODEL_REQUEST_INVALID' : 'MODEL_CALL_FAILED', { reason: `${model.id} refused the request (${failure.providerCode})` }, { providerCode: failure.providerCode, attempts });
        }
        fallback.from = { modelId: model.id, reason: failure.kind as FailureKind };
        failures += 1;
      }
    }
    return { ...(sentAny ? {} : { quotaWaitMs }), ...(budget ? { budget } : {}) };
  }

  /** Counts the failure against the model's health; true when that cooled the model down. */
  async #cool(modelId: string, kind: Exclude<ProviderError['kind'], 'aborted'>, started: number): Promise<boolean> {
    const now = this.#now();
    const cooldown = this.#deps.health.failed(modelId, kind, now - started, now);
    if (!cooldown) return false;
    await this.#deps.state.coolDown(modelId, cooldown.untilMs, cooldown.reason);
    this.#deps.onEvent?.({ type: 'model.cooled', modelId, reason: kind });
    return true;
  }
}

/** Why a model call stopped early: its caller's signal says (cancelled, or its call ended). */
export function modelCallCancelled(signal: AbortSignal | undefined): EaselError {
  return signal?.aborted ? cancelledBy(signal) : new EaselError('EXECUTION_CANCELLED', { subject: 'model call' });
}
