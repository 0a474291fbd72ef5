/** One structured model call per phase, with the phase's tier from the config. */
import type { Context } from '@easel/sdk';
import { settings, type GameConfig, type Phase } from './config.ts';
import type { Schema } from './schemas/common.ts';
import type { Prompt } from './prompts/common.ts';

/** How long each phase may take: none of them is a quick lookup, but some are shorter. */
const LATENCY: Readonly<Record<Phase, 'fast' | 'standard' | 'slow'>> = {
  'concept-creation': 'slow',
  'mechanics-design': 'slow',
  'story-development': 'slow',
  'concept-refinement': 'slow',
  'asset-analysis': 'standard',
  'feasibility-analysis': 'standard',
  'script-generation': 'standard',
  'scenario-generation': 'standard',
  'balance-testing': 'standard',
};

export interface Answer<T> {
  value: T;
  model: string;
  cost: number;
}

export interface AskOptions {
  maxTokens: number;
  temperature: number;
}

/** Asks the model for a value that matches `schema` (the host checks it against the schema). */
export async function ask<T>(ctx: Context<GameConfig>, phase: Phase, prompt: Prompt, schema: Schema, options: AskOptions): Promise<Answer<T>> {
  ctx.signal.throwIfAborted();
  const tier = settings(ctx.config).tiers[phase];
  ctx.log.info('asking the model', { phase, tier, promptChars: prompt.prompt.length });
  const result = await ctx.models.structured<T>({
    system: prompt.system,
    prompt: prompt.prompt,
    schema,
    tier,
    latency: LATENCY[phase],
    maxTokens: options.maxTokens,
    temperature: options.temperature,
  });
  return { value: result.value, model: result.model, cost: result.cost };
}
