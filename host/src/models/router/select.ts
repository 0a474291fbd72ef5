/**
 * The routing decision, as a pure function of the catalog, the request and the cooldowns:
 * which models qualify, in which order the strategy tries them, and why.
 */
import { costOf, formatUsd } from '../cost.ts';
import type { Cooldown } from '../state/types.ts';
import {
  type Candidate,
  type Catalog,
  type CatalogModel,
  type Exclusion,
  LATENCIES,
  RESIDENCIES,
  type Residency,
  type RouteDecision,
  type RouteRequest,
  type Strategy,
  TIERS,
} from '../types.ts';

export interface SelectOptions {
  /** The host's residency policy: the widest residency a call may use. */
  residency: Residency;
  /** balanced: candidates costing at most this many times the cheapest compete on quality. */
  balancedCostFactor: number;
  defaultStrategy: Strategy;
  cooling: readonly Cooldown[];
  nowMs: number;
}

export interface Selection extends RouteDecision {
  /** Models that would qualify but are cooling down; the soonest back is first. */
  cooling: { modelId: string; retryAfterMs: number }[];
}

const rank = <T>(list: readonly T[], value: T): number => list.indexOf(value);

/**
 * Images and embeddings have one model each in Seoul: an image's tier buys quality (premium →
 * premium quality), an embedding's buys nothing more. For text the tier stays the lowest
 * acceptable model tier.
 */
export function forSingleModelTasks(request: RouteRequest): RouteRequest {
  if (request.task === 'embedding') return { ...request, tier: 'basic' };
  if (request.task !== 'image') return request;
  const quality = request.estimate.quality ?? (request.tier === 'premium' ? 'premium' : 'standard');
  return { ...request, tier: 'basic', estimate: { ...request.estimate, quality } };
}

function exclusionReason(model: CatalogModel, request: RouteRequest, options: SelectOptions): string | undefined {
  const minTier = request.tier ?? 'basic';
  const latency = request.latency ?? 'slow';
  const residency = narrower(options.residency, request.residency);
  if (!model.available) return `not available in Seoul: ${model.unavailableReason ?? 'see the catalog'}`;
  if (rank(TIERS, model.tier) < rank(TIERS, minTier)) return `tier ${model.tier} is below the ${minTier} asked for`;
  if (request.maxTier && rank(TIERS, model.tier) > rank(TIERS, request.maxTier)) return `tier ${model.tier} is above the granted ${request.maxTier}`;
  if (rank(LATENCIES, model.latency) > rank(LATENCIES, latency)) return `latency class ${model.latency} is slower than ${latency}`;
  if (rank(RESIDENCIES, model.residency) > rank(RESIDENCIES, residency)) return `residency ${model.residency} is outside the ${residency} policy`;
  const { estimate } = request;
  if (request.task === 'image') {
    const size = `${estimate.width ?? 1024}x${estimate.height ?? 1024}`;
    if (model.imageSizes && !model.imageSizes.includes(size)) return `does not make ${size} images`;
  } else if (estimate.inputTokens + estimate.outputTokens > model.contextWindow) {
    return `context window of ${model.contextWindow} tokens is too small for about ${estimate.inputTokens + estimate.outputTokens}`;
  } else if (model.maxOutputTokens !== undefined && estimate.outputTokens > model.maxOutputTokens) {
    return `writes at most ${model.maxOutputTokens} tokens, fewer than the ${estimate.outputTokens} asked for`;
  }
  if (costOf(model, request.task, estimate) === undefined) return 'has no price for this request';
  return undefined;
}

/** The narrower of the host policy and the request's own wish. */
export function narrower(policy: Residency, wish: Residency | undefined): Residency {
  if (!wish) return policy;
  return rank(RESIDENCIES, wish) < rank(RESIDENCIES, policy) ? wish : policy;
}

const byCost = (a: Candidate, b: Candidate) => a.estimatedCost - b.estimatedCost || b.model.quality - a.model.quality || a.model.id.localeCompare(b.model.id);
const byQuality = (a: Candidate, b: Candidate) =>
  rank(TIERS, b.model.tier) - rank(TIERS, a.model.tier) || b.model.quality - a.model.quality || byCost(a, b);

function order(candidates: Candidate[], strategy: Strategy, factor: number): { ordered: Candidate[]; why: string } {
  if (candidates.length === 0) return { ordered: [], why: '' };
  if (strategy === 'cost-first') {
    const ordered = [...candidates].sort(byCost);
    return { ordered, why: `cost-first: ${ordered[0]?.model.name} is the cheapest that qualifies` };
  }
  if (strategy === 'quality-first') {
    const ordered = [...candidates].sort(byQuality);
    return { ordered, why: `quality-first: ${ordered[0]?.model.name} has the highest tier and quality that qualify` };
  }
  const cheapest = [...candidates].sort(byCost);
  const floor = cheapest[0]?.estimatedCost ?? 0;
  const near = cheapest.filter((c) => c.estimatedCost <= floor * factor).sort(byQuality);
  const rest = cheapest.filter((c) => c.estimatedCost > floor * factor);
  const ordered = [...near, ...rest];
  return {
    ordered,
    why:
      `balanced: of the ${near.length} model(s) costing at most ${factor}× the cheapest (${cheapest[0]?.model.name}, ${formatUsd(floor)}), ` +
      `${ordered[0]?.model.name} has the best quality`,
  };
}

export function select(catalog: Catalog, asked: RouteRequest, options: SelectOptions): Selection {
  const request = forSingleModelTasks(asked);
  const strategy = request.strategy ?? options.defaultStrategy;
  const excluded: Exclusion[] = [];
  const qualifying: Candidate[] = [];
  const cooling: Selection['cooling'] = [];
  const coolingById = new Map(options.cooling.map((c) => [c.modelId, c]));
  for (const model of catalog.models) {
    if (!model.tasks.includes(request.task)) continue;
    const reason = exclusionReason(model, request, options);
    if (reason) {
      excluded.push({ modelId: model.id, reason });
      continue;
    }
    const cool = coolingById.get(model.id);
    if (cool && cool.untilMs > options.nowMs) {
      const retryAfterMs = Math.ceil(cool.untilMs - options.nowMs);
      cooling.push({ modelId: model.id, retryAfterMs });
      excluded.push({ modelId: model.id, reason: `cooling down for ${retryAfterMs} ms (${cool.reason})` });
      continue;
    }
    qualifying.push({ model, estimatedCost: costOf(model, request.task, request.estimate) as number });
  }
  cooling.sort((a, b) => a.retryAfterMs - b.retryAfterMs);
  const { ordered, why } = order(qualifying, strategy, options.balancedCostFactor);
  const first = ordered[0];
  const reasoning = first
    ? `${why} for ${request.task} at tier ${asked.tier ?? 'basic'}${request.task === 'image' ? ` (${request.estimate.quality} quality)` : ' or above'}` +
      `${request.maxTier ? ` (granted up to ${request.maxTier})` : ''}: estimated ${formatUsd(first.estimatedCost)}. ` +
      (ordered.length > 1 ? `Fallbacks in order: ${ordered.slice(1).map((c) => `${c.model.name} (${formatUsd(c.estimatedCost)})`).join(', ')}. ` : 'No fallback qualifies. ') +
      (excluded.length > 0 ? `${excluded.length} model(s) left out.` : '')
    : `no model qualifies for ${request.task} at tier ${request.tier ?? 'basic'}: ${excluded.map((e) => `${e.modelId} ${e.reason}`).join('; ')}`;
  return { strategy, candidates: ordered, excluded, reasoning, cooling };
}
