/**
 * code-generation: a playable single-file HTML5 game from a concept (or from an idea, which
 * game-designer first turns into a concept). The script is checked to parse again here, since
 * a replayed step hands back what was recorded.
 */
import { PluginError, type Context } from '@easel/sdk';
import type { ScriptGenerationOutput } from '../agents/code-generator.ts';
import type { ConceptCreationInput } from '../agents/game-designer.ts';
import { conceptWords } from '../concept.ts';
import { settings, type GameConfig } from '../config.ts';
import { checkParses, safeInHtml } from '../game/check.ts';
import { resolveLanguage } from '../language.ts';
import type { Language, Platform } from '../schemas/common.ts';
import type { Difficulty } from '../schemas/code.ts';
import type { ConceptInput, GameConcept } from '../schemas/concept.ts';
import { Steps, type StepRecord } from './steps.ts';

export interface CodeGenerationInput {
  concept?: ConceptInput;
  idea?: string;
  platforms?: Platform[];
  difficulty?: Difficulty;
  language?: Language;
}

export type CodeGenerationOutput = Omit<ScriptGenerationOutput, 'model' | 'cost'> & {
  concept: ConceptInput;
  agentsUsed: string[];
  steps: StepRecord[];
  totalCost: number;
  durationMs: number;
};

export async function codeGeneration(input: CodeGenerationInput, ctx: Context<GameConfig>): Promise<CodeGenerationOutput> {
  const steps = new Steps(ctx);
  const words = input.concept ? conceptWords(input.concept) : (input.idea ?? '');
  const language = resolveLanguage(settings(ctx.config), input.language, words);
  let concept: ConceptInput;
  if (input.concept) {
    concept = input.concept;
  } else if (input.idea) {
    await ctx.progress('concept: designing the game from the idea', { phase: 'concept' });
    const request: ConceptCreationInput = { idea: input.idea, language, ...(input.platforms ? { platforms: input.platforms } : {}) };
    concept = (await steps.run<{ concept: GameConcept }>('game-designer', 'concept-creation', request)).concept;
  } else {
    throw new PluginError('REQUEST_REJECTED', 'give a concept or an idea');
  }

  await ctx.progress('code: building the playable prototype', { phase: 'code', title: concept.title });
  const game = await steps.run<ScriptGenerationOutput>('code-generator', 'script-generation', { concept, language, ...(input.difficulty ? { difficulty: input.difficulty } : {}) });
  const parse = checkParses(game.script);
  if (!parse.parses || !safeInHtml(game.script) || !game.html.includes(game.script)) {
    throw new Error(`the game script failed its checks here (parses: ${parse.parses}, by ${parse.parseCheck})`);
  }
  const { model: _model, cost: _cost, ...rest } = game;
  const result: CodeGenerationOutput = {
    ...rest,
    checks: { ...game.checks, parses: true, parseCheck: parse.parseCheck },
    concept,
    agentsUsed: steps.agentsUsed,
    steps: steps.records,
    totalCost: steps.totalCost,
    durationMs: steps.durationMs,
  };
  await ctx.progress('done', { phase: 'done', title: game.title, bytes: game.checks.bytes, totalCost: result.totalCost });
  return result;
}
