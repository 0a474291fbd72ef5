/**
 * game-concept-creation: an idea becomes a concept (game-designer), which the asset, engineering
 * and playtest agents study at the same time, and whose reports refine it into the final concept
 * with a development plan.
 */
import type { Context } from '@easel/sdk';
import type { AssetAnalysisOutput } from '../agents/asset-generator.ts';
import type { FeasibilityOutput } from '../agents/code-generator.ts';
import type { ConceptCreationInput, RefinementOutput } from '../agents/game-designer.ts';
import type { ScenarioGenerationOutput } from '../agents/playtester.ts';
import { settings, type GameConfig } from '../config.ts';
import { resolveLanguage } from '../language.ts';
import type { AssetRequirement, AssetSummary } from '../schemas/assets.ts';
import type { Language } from '../schemas/common.ts';
import type { TechnicalSpecification } from '../schemas/code.ts';
import type { GameConcept } from '../schemas/concept.ts';
import type { DevelopmentPlan } from '../schemas/design.ts';
import type { Scenario } from '../schemas/playtest.ts';
import { Steps, type StepRecord } from './steps.ts';

export type GameConceptCreationInput = ConceptCreationInput;

export interface GameConceptCreationOutput {
  title: string;
  language: Language;
  concept: GameConcept;
  assetRequirements: { assets: AssetRequirement[]; summary: AssetSummary };
  technicalSpecification: TechnicalSpecification;
  developmentPlan: DevelopmentPlan;
  playtestPlan: { scenarios: Scenario[]; totalMinutes: number };
  refinement: { changes: string[]; risks: { risk: string; mitigation: string }[] };
  agentsUsed: string[];
  steps: StepRecord[];
  totalCost: number;
  durationMs: number;
}

/** Only the fields that were given (absent stays absent, so step inputs are the same on a rerun). */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function gameConceptCreation(input: GameConceptCreationInput, ctx: Context<GameConfig>): Promise<GameConceptCreationOutput> {
  const steps = new Steps(ctx);
  const language = resolveLanguage(settings(ctx.config), input.language, `${input.idea} ${input.genre ?? ''} ${input.targetAudience ?? ''}`);

  await ctx.progress('concept: designing the game', { phase: 'concept', step: 1, of: 3 });
  const created = await steps.run<{ concept: GameConcept }>('game-designer', 'concept-creation', defined({ ...input, language }));
  const { concept } = created;

  await ctx.progress('analysis: assets, feasibility and playtests in parallel', { phase: 'analysis', step: 2, of: 3, title: concept.title });
  const [assets, feasibility, playtests] = await Promise.all([
    steps.run<AssetAnalysisOutput>('asset-generator', 'asset-analysis', { concept, language }),
    steps.run<FeasibilityOutput>('code-generator', 'feasibility-analysis', { concept, language }),
    steps.run<ScenarioGenerationOutput>('playtester', 'scenario-generation', { concept, language }),
  ]);

  await ctx.progress('refinement: the concept and its development plan', {
    phase: 'refinement',
    step: 3,
    of: 3,
    assets: assets.assets.length,
    complexity: feasibility.specification.complexity.level,
    scenarios: playtests.scenarios.length,
  });
  const constraints = defined({ platforms: input.platforms, multiplayer: input.multiplayer });
  const refined = await steps.run<RefinementOutput>('game-designer', 'concept-refinement', {
    concept,
    ...(Object.keys(constraints).length > 0 ? { constraints } : {}),
    assets: assets.assets,
    technicalSpecification: feasibility.specification,
    playtestScenarios: playtests.scenarios,
    language,
  });

  const result: GameConceptCreationOutput = {
    title: refined.concept.title,
    language,
    concept: refined.concept,
    assetRequirements: { assets: assets.assets, summary: assets.summary },
    technicalSpecification: feasibility.specification,
    developmentPlan: refined.developmentPlan,
    playtestPlan: { scenarios: playtests.scenarios, totalMinutes: playtests.totalMinutes },
    refinement: { changes: refined.changes, risks: refined.risks },
    agentsUsed: steps.agentsUsed,
    steps: steps.records,
    totalCost: steps.totalCost,
    durationMs: steps.durationMs,
  };
  await ctx.progress('done', { phase: 'done', title: result.title, totalCost: result.totalCost, totalWeeks: result.developmentPlan.totalWeeks });
  return result;
}
