/**
 * Cost previews (`POST /v1/workflows/:type/preview`): the steps each workflow will take and the
 * model call each makes, priced by the host without calling anything. Token counts are typical
 * sizes of these prompts and answers, not promises.
 */
import type { Context, Estimate, EstimatedStep } from '@easel/sdk';
import { settings, type GameConfig, type Phase } from '../config.ts';
import { DRAW_CONCURRENCY, IMAGE_GENERATOR } from '../agents/asset-generator.ts';
import { VISUAL_TYPES, type AssetType } from '../schemas/assets.ts';
import type { AssetCreationInput } from './asset-creation.ts';
import type { CodeGenerationInput } from './code-generation.ts';

/** Rough tokens of a text: a token per 3 characters covers English and Korean alike. */
const tokens = (text: string) => Math.ceil(text.length / 3);

/** [input, output] tokens of each phase besides the user's own text. */
const SIZE: Readonly<Record<Phase, [number, number]>> = {
  'concept-creation': [500, 1800],
  'mechanics-design': [900, 2500],
  'story-development': [800, 2500],
  'concept-refinement': [2500, 3500],
  'asset-analysis': [900, 2000],
  'feasibility-analysis': [900, 1800],
  'script-generation': [900, 700],
  'scenario-generation': [900, 2500],
  'balance-testing': [700, 1500],
};

function step(agent: string, phase: Phase, ctx: Context<GameConfig>, extraInput = 0): EstimatedStep {
  const [input, output] = SIZE[phase];
  return { agent, capability: phase, model: { task: 'structured', tier: settings(ctx.config).tiers[phase], inputTokens: input + extraInput, outputTokens: output } };
}

export function estimateGameConceptCreation(input: { idea: string }, ctx: Context<GameConfig>): Estimate {
  return {
    steps: [
      step('game-designer', 'concept-creation', ctx, tokens(input.idea)),
      step('asset-generator', 'asset-analysis', ctx),
      step('code-generator', 'feasibility-analysis', ctx),
      step('playtester', 'scenario-generation', ctx),
      step('game-designer', 'concept-refinement', ctx),
    ],
  };
}

export function estimateAssetCreation(input: AssetCreationInput, ctx: Context<GameConfig>): Estimate {
  const config = settings(ctx.config);
  const maxSprites = input.maxSprites ?? config.maxSprites;
  const given = input.assets?.filter((a) => VISUAL_TYPES.includes((a.type ?? 'sprite') as AssetType)).length;
  const drawings = Math.min(maxSprites, given ?? maxSprites);
  const steps: EstimatedStep[] = [];
  if (!input.assets || input.assets.length === 0) steps.push(step('asset-generator', 'asset-analysis', ctx));
  if (drawings > 0) {
    steps.push({ agent: 'asset-generator', capability: 'sprite-generation', count: Math.ceil(drawings / DRAW_CONCURRENCY) });
    steps.push({ agent: IMAGE_GENERATOR, capability: 'text-to-image', count: drawings, model: { task: 'image', images: 1 } });
  }
  return { steps };
}

export function estimateCodeGeneration(input: CodeGenerationInput, ctx: Context<GameConfig>): Estimate {
  const steps: EstimatedStep[] = [];
  if (!input.concept && input.idea) steps.push(step('game-designer', 'concept-creation', ctx, tokens(input.idea)));
  steps.push(step('code-generator', 'script-generation', ctx));
  return { steps };
}
