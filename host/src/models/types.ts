/**
 * The model router's vocabulary: catalog entries (data, see catalog/), routing requests and
 * decisions. Tasks and tiers are the manifest's own (`@easel/sdk`).
 */
import type { ModelTask, ModelTier } from '@easel/sdk';

export type { ModelTask, ModelTier };

/** How quickly a model answers, fastest first. A request names the slowest class it accepts. */
export type LatencyClass = 'fast' | 'standard' | 'slow';

/** Where a call may run: in Seoul only, in APAC Regions (apac. profiles), anywhere (global.). */
export type Residency = 'in-region' | 'apac' | 'global';

export type Strategy = 'cost-first' | 'quality-first' | 'balanced';

export type ImageQuality = 'standard' | 'premium';

export const TIERS: readonly ModelTier[] = ['basic', 'standard', 'premium'];
export const LATENCIES: readonly LatencyClass[] = ['fast', 'standard', 'slow'];
export const RESIDENCIES: readonly Residency[] = ['in-region', 'apac', 'global'];
export const STRATEGIES: readonly Strategy[] = ['cost-first', 'quality-first', 'balanced'];
export const TASKS: readonly ModelTask[] = ['text', 'structured', 'image', 'embedding'];

/** Price of one image up to `maxPixels` (width × height), by quality. */
export interface ImagePrice {
  maxPixels: number;
  standard: number;
  premium: number;
}

export interface CatalogModel {
  /** The id to call from Seoul: plain, `apac.` or `global.` inference profile. */
  id: string;
  name: string;
  provider: string;
  tasks: ModelTask[];
  tier: ModelTier;
  /** Relative quality, 1–100, orders models within a tier (quality-first, balanced). */
  quality: number;
  latency: LatencyClass;
  residency: Residency;
  /** False when the model cannot be called from Seoul; listed so operators see why. */
  available: boolean;
  unavailableReason?: string;
  /** Tokens. */
  contextWindow: number;
  maxOutputTokens?: number;
  prices: {
    /** USD per 1,000 input tokens (text, structured, embedding). */
    inputPer1k?: number;
    /** USD per 1,000 output tokens. */
    outputPer1k?: number;
    /** Image prices by size bracket, smallest first. */
    images?: ImagePrice[];
  };
  /** On-demand quotas the router keeps under (token buckets refilled per minute). */
  quotas: { rpm: number; tpm: number };
  /** Image sizes the model accepts (`WxH`). */
  imageSizes?: string[];
  /** Embedding vector lengths the model can return; the first is its default. */
  dimensions?: number[];
  /** How each fact was checked: `[V]` primary source, `[S]` secondary, `[U]` unverified. */
  notes?: string;
}

export interface Catalog {
  region: string;
  currency: 'USD';
  /** ISO date the facts were last checked. */
  verifiedAt: string;
  sources: string[];
  models: CatalogModel[];
}

/** What the request needs, from which the expected cost of each candidate is computed. */
export interface UsageEstimate {
  inputTokens: number;
  outputTokens: number;
  images?: number;
  width?: number;
  height?: number;
  quality?: ImageQuality;
}

export interface RouteRequest {
  task: ModelTask;
  /** Lowest acceptable tier (default basic). */
  tier?: ModelTier;
  /** Highest tier allowed (the plugin's grant). */
  maxTier?: ModelTier;
  /** Slowest acceptable latency class (default slow: any). */
  latency?: LatencyClass;
  strategy?: Strategy;
  /** Narrows the host's residency policy, never widens it. */
  residency?: Residency;
  estimate: UsageEstimate;
}

export interface Candidate {
  model: CatalogModel;
  estimatedCost: number;
}

export interface Exclusion {
  modelId: string;
  reason: string;
}

export interface RouteDecision {
  strategy: Strategy;
  /** First choice, then fallbacks in order. Empty when nothing qualifies. */
  candidates: Candidate[];
  excluded: Exclusion[];
  /** Human-readable: why the first choice, why the order, what was left out. */
  reasoning: string;
}
