/** game-designer: the concept, its mechanics and story, and the refined concept with a plan. */
import type { Context } from '@easel/sdk';
import { settings, type GameConfig } from '../config.ts';
import { resolveLanguage } from '../language.ts';
import { ask } from '../model.ts';
import { planMilestones } from '../plan.ts';
import { conceptPrompt, mechanicsPrompt, refinementPrompt, storyPrompt } from '../prompts/designer.ts';
import type { AssetRequirement } from '../schemas/assets.ts';
import type { Language, Platform } from '../schemas/common.ts';
import type { TechnicalSpecification } from '../schemas/code.ts';
import { conceptModelSchema, type ConceptConstraints, type GameConcept } from '../schemas/concept.ts';
import {
  ACTS,
  mechanicsModelSchema,
  refinementModelSchema,
  storyModelSchema,
  type DevelopmentPlan,
  type MechanicsAnswer,
  type RefinementAnswer,
  type StoryAnswer,
  type StoryLength,
} from '../schemas/design.ts';
import type { Scenario } from '../schemas/playtest.ts';
import { prepare, uniqueBy, type WithConcept } from './shared.ts';

interface Usage {
  language: Language;
  model: string;
  cost: number;
}

export interface ConceptCreationInput {
  idea: string;
  genre?: string;
  platforms?: Platform[];
  multiplayer?: boolean;
  targetAudience?: string;
  language?: Language;
}

/** A model answer made consistent: one player means no multiplayer, and the reverse. */
function settled(value: Omit<GameConcept, 'language'>, language: Language): GameConcept {
  const { mode } = value.multiplayer;
  const maxPlayers = mode === 'none' ? 1 : Math.max(2, value.multiplayer.maxPlayers);
  return {
    ...value,
    mechanics: uniqueBy(value.mechanics, (m) => m.name),
    targetPlatforms: [...new Set(value.targetPlatforms)],
    multiplayer: { mode, maxPlayers },
    language,
  };
}

export async function conceptCreation(input: ConceptCreationInput, ctx: Context<GameConfig>): Promise<{ concept: GameConcept } & Usage> {
  const config = settings(ctx.config);
  const language = resolveLanguage(config, input.language, `${input.idea} ${input.genre ?? ''} ${input.targetAudience ?? ''}`);
  const platforms = input.platforms && input.platforms.length > 0 ? [...new Set(input.platforms)] : config.defaultPlatforms;
  const prompt = conceptPrompt({ ...input, platforms }, language);
  const schema = conceptModelSchema({ platforms, ...(input.multiplayer !== undefined ? { multiplayer: input.multiplayer } : {}) });
  const answer = await ask<Omit<GameConcept, 'language'>>(ctx, 'concept-creation', prompt, schema, { maxTokens: 2500, temperature: 0.9 });
  return { concept: settled(answer.value, language), language, model: answer.model, cost: answer.cost };
}

export interface MechanicsDesignInput extends WithConcept {
  count?: number;
  focus?: string;
}

export async function mechanicsDesign(input: MechanicsDesignInput, ctx: Context<GameConfig>): Promise<MechanicsAnswer & Usage> {
  const { language, concept } = prepare(ctx, input);
  const count = input.count ?? 5;
  const answer = await ask<MechanicsAnswer>(ctx, 'mechanics-design', mechanicsPrompt(concept, count, input.focus, language), mechanicsModelSchema(count), {
    maxTokens: 3500,
    temperature: 0.7,
  });
  const mechanics = uniqueBy(answer.value.mechanics, (m) => m.name);
  const names = new Map(mechanics.map((m) => [m.name.trim().toLowerCase(), m.name]));
  const designed = mechanics.map((m) => ({
    ...m,
    parameters: uniqueBy(m.parameters, (p) => p.name),
    // Only mechanics of this list, by their exact names, and never itself.
    dependsOn: [...new Set(m.dependsOn.map((d) => names.get(d.trim().toLowerCase())).filter((d): d is string => d !== undefined && d !== m.name))],
  }));
  return { mechanics: designed, progression: answer.value.progression, synergies: answer.value.synergies, language, model: answer.model, cost: answer.cost };
}

export interface StoryDevelopmentInput extends WithConcept {
  length?: StoryLength;
  tone?: string;
}

export async function storyDevelopment(input: StoryDevelopmentInput, ctx: Context<GameConfig>): Promise<StoryAnswer & { length: StoryLength } & Usage> {
  const { language, concept } = prepare(ctx, input);
  const length = input.length ?? 'medium';
  const acts = ACTS[length];
  const answer = await ask<StoryAnswer>(ctx, 'story-development', storyPrompt(concept, length, acts, input.tone, language), storyModelSchema(acts), {
    maxTokens: 3500,
    temperature: 0.9,
  });
  return { ...answer.value, characters: uniqueBy(answer.value.characters, (c) => c.name), length, language, model: answer.model, cost: answer.cost };
}

export interface ConceptRefinementInput extends WithConcept {
  /** What the request fixed: the refined concept must keep it (the schema the model meets says so). */
  constraints?: ConceptConstraints;
  assets?: AssetRequirement[];
  technicalSpecification?: TechnicalSpecification;
  playtestScenarios?: Scenario[];
  feedback?: string;
}

export interface RefinementOutput extends Usage {
  concept: GameConcept;
  changes: string[];
  risks: { risk: string; mitigation: string }[];
  developmentPlan: DevelopmentPlan;
}

export async function conceptRefinement(input: ConceptRefinementInput, ctx: Context<GameConfig>): Promise<RefinementOutput> {
  const { language, concept } = prepare(ctx, input);
  const material = {
    ...(input.assets ? { assets: input.assets } : {}),
    ...(input.technicalSpecification ? { specification: input.technicalSpecification } : {}),
    ...(input.playtestScenarios ? { scenarios: input.playtestScenarios } : {}),
    ...(input.feedback ? { feedback: input.feedback } : {}),
  };
  const answer = await ask<RefinementAnswer>(ctx, 'concept-refinement', refinementPrompt(concept, material, language), refinementModelSchema(conceptModelSchema(input.constraints)), {
    maxTokens: 5000,
    temperature: 0.6,
  });
  const { value } = answer;
  return {
    concept: settled(value.concept, language),
    changes: value.changes,
    risks: value.risks,
    developmentPlan: planMilestones(value.milestones, value.teamSize),
    language,
    model: answer.model,
    cost: answer.cost,
  };
}
