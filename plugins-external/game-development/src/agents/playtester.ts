/** playtester: playtest scenarios for a concept, and balance findings for tuning numbers. */
import { PluginError, type Context } from '@easel/sdk';
import { bySeverity, changePercent, overallOf, parameterProblem, ruleFindings, severityCounts } from '../balance.ts';
import { completeConcept, conceptWords, describeConcept } from '../concept.ts';
import { settings, type GameConfig } from '../config.ts';
import { resolveLanguage } from '../language.ts';
import { ask } from '../model.ts';
import { balancePrompt, scenariosPrompt } from '../prompts/playtest.ts';
import type { Language, Severity } from '../schemas/common.ts';
import type { ConceptInput } from '../schemas/concept.ts';
import {
  balanceModelSchema,
  FOCUSES,
  scenariosModelSchema,
  type BalanceAnswer,
  type BalanceParameter,
  type Finding,
  type Focus,
  type Overall,
  type Scenario,
  type ScenarioAnswer,
} from '../schemas/playtest.ts';
import { prepare, type WithConcept } from './shared.ts';

export interface ScenarioGenerationInput extends WithConcept {
  count?: number;
  focus?: Focus[];
}

export interface ScenarioGenerationOutput {
  scenarios: Scenario[];
  totalMinutes: number;
  language: Language;
  model: string;
  cost: number;
}

export async function scenarioGeneration(input: ScenarioGenerationInput, ctx: Context<GameConfig>): Promise<ScenarioGenerationOutput> {
  const { language, concept } = prepare(ctx, input);
  const count = input.count ?? 5;
  // Without a focus asked for, every focus that applies: multiplayer only for a multiplayer game.
  const focuses = input.focus && input.focus.length > 0 ? [...new Set(input.focus)] : FOCUSES.filter((f) => f !== 'multiplayer' || concept.multiplayer.mode !== 'none');
  const answer = await ask<ScenarioAnswer>(ctx, 'scenario-generation', scenariosPrompt(concept, count, focuses, language), scenariosModelSchema(count, focuses), {
    maxTokens: 4000,
    temperature: 0.6,
  });
  const scenarios = answer.value.scenarios.map((s, i) => ({ id: `PT-${String(i + 1).padStart(2, '0')}`, ...s }));
  const totalMinutes = scenarios.reduce((sum, s) => sum + s.durationMinutes, 0);
  return { scenarios, totalMinutes, language, model: answer.model, cost: answer.cost };
}

export interface BalanceTestingInput {
  parameters: BalanceParameter[];
  concept?: ConceptInput;
  context?: string;
  goals?: string[];
  language?: Language;
}

export interface BalanceTestingOutput {
  findings: Finding[];
  overall: Overall;
  counts: Record<Severity, number>;
  summary: string;
  language: Language;
  model: string;
  cost: number;
}

export async function balanceTesting(input: BalanceTestingInput, ctx: Context<GameConfig>): Promise<BalanceTestingOutput> {
  const problem = parameterProblem(input.parameters);
  if (problem) throw new PluginError('REQUEST_REJECTED', problem);
  const config = settings(ctx.config);
  const goals = input.goals ?? [];
  const words = [...input.parameters.map((p) => p.description ?? ''), input.context ?? '', ...goals, input.concept ? conceptWords(input.concept) : ''].join(' ');
  const language = resolveLanguage(config, input.language, words);
  const parameters = input.parameters.map((p) => ({ ...p, name: p.name.trim() }));
  const context = [input.concept ? describeConcept(completeConcept(input.concept, language, config.defaultPlatforms)) : '', input.context ?? ''].filter(Boolean).join('\n\n') || undefined;
  const answer = await ask<BalanceAnswer>(ctx, 'balance-testing', balancePrompt(parameters, context, goals, language), balanceModelSchema(parameters.map((p) => p.name)), {
    maxTokens: 3000,
    temperature: 0.2,
  });
  const values = new Map(parameters.map((p) => [p.name, p.value]));
  const fromModel: Finding[] = answer.value.findings
    .filter((f) => values.has(f.parameter))
    .map((f) => {
      const change = changePercent(values.get(f.parameter)!, f.suggestedValue);
      return { ...f, ...(change !== undefined ? { changePercent: change } : {}), source: 'model' as const };
    });
  const findings = bySeverity([...ruleFindings(parameters, language), ...fromModel]);
  return { findings, overall: overallOf(findings), counts: severityCounts(findings), summary: answer.value.summary, language, model: answer.model, cost: answer.cost };
}
