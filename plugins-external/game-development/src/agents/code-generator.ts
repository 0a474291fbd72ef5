/** code-generator: the technical specification, and a playable single-file HTML5 prototype. */
import type { Context } from '@easel/sdk';
import { scoreComplexity } from '../complexity.ts';
import type { GameConfig } from '../config.ts';
import { checkGame, type Checks } from '../game/check.ts';
import { gamePage, gameScript, type RuntimeSpec } from '../game/page.ts';
import { labelsFor, normalizeSpec } from '../game/spec.ts';
import { ask } from '../model.ts';
import { feasibilityPrompt, gameSpecPrompt } from '../prompts/code.ts';
import type { Language } from '../schemas/common.ts';
import { feasibilityModelSchema, gameSpecSchema, type Difficulty, type FeasibilityAnswer, type GameSpec, type TechnicalSpecification } from '../schemas/code.ts';
import { prepare, type WithConcept } from './shared.ts';

export interface FeasibilityOutput {
  specification: TechnicalSpecification;
  language: Language;
  model: string;
  cost: number;
}

export async function feasibilityAnalysis(input: WithConcept, ctx: Context<GameConfig>): Promise<FeasibilityOutput> {
  const { language, concept } = prepare(ctx, input);
  const answer = await ask<FeasibilityAnswer>(ctx, 'feasibility-analysis', feasibilityPrompt(concept, language), feasibilityModelSchema, { maxTokens: 3000, temperature: 0.3 });
  const complexity = scoreComplexity({ mechanics: concept.mechanics.length, platforms: concept.targetPlatforms, multiplayer: concept.multiplayer.mode }, language);
  return { specification: { ...answer.value, complexity }, language, model: answer.model, cost: answer.cost };
}

export interface ScriptGenerationInput extends WithConcept {
  difficulty?: Difficulty;
}

export interface ScriptGenerationOutput {
  title: string;
  html: string;
  script: string;
  spec: RuntimeSpec;
  checks: Checks;
  difficulty: Difficulty;
  language: Language;
  model: string;
  cost: number;
}

/** The game built from a validated spec; pure, so tests can feed it any spec. */
export function buildGame(spec: GameSpec, difficulty: Difficulty, language: Language): { spec: RuntimeSpec; script: string; html: string; checks: Checks; error?: string } {
  const normalized = normalizeSpec(spec, difficulty);
  const runtime: RuntimeSpec = { ...normalized, labels: labelsFor(language, normalized.controls) };
  const script = gameScript(runtime);
  const html = gamePage(runtime, script, language);
  return { spec: runtime, script, html, ...checkGame(script, html) };
}

export async function scriptGeneration(input: ScriptGenerationInput, ctx: Context<GameConfig>): Promise<ScriptGenerationOutput> {
  const { language, concept } = prepare(ctx, input);
  const difficulty = input.difficulty ?? 'normal';
  const answer = await ask<GameSpec>(ctx, 'script-generation', gameSpecPrompt(concept, language), gameSpecSchema, { maxTokens: 1500, temperature: 0.7 });
  const game = buildGame(answer.value, difficulty, language);
  // The template makes this impossible; if it ever happens, no broken game goes out.
  if (!game.checks.parses || !game.checks.safeInHtml) {
    ctx.log.error('the generated script failed its checks', { ...game.checks, error: game.error?.slice(0, 300) });
    throw new Error(`the generated script failed its checks (parses: ${game.checks.parses}, safeInHtml: ${game.checks.safeInHtml})`);
  }
  ctx.log.info('game built', { parseCheck: game.checks.parseCheck, parses: game.checks.parses, bytes: game.checks.bytes });
  return { title: game.spec.title, html: game.html, script: game.script, spec: game.spec, checks: game.checks, difficulty, language, model: answer.model, cost: answer.cost };
}
