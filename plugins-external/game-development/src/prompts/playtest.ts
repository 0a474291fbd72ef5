/** playtester's prompts: scenarios for a concept, and a balance review of numbers. */
import { describeConcept } from '../concept.ts';
import type { Language } from '../schemas/common.ts';
import type { GameConcept } from '../schemas/concept.ts';
import type { BalanceParameter, Focus } from '../schemas/playtest.ts';
import { fence, system, type Prompt } from './common.ts';

export function scenariosPrompt(concept: GameConcept, count: number, focuses: readonly Focus[], language: Language): Prompt {
  return {
    system: system(
      [
        'You are a games user researcher who runs playtests. A scenario is one session with one kind of player: what they are asked to do, step by step, what should happen if the design works, and the metrics that tell (each with a target value and how it is measured).',
        'Cover different player types and the riskiest parts of the design first. Steps are concrete actions a tester can follow without knowing the design.',
      ],
      language,
    ),
    prompt: `Write ${count} playtest scenario${count === 1 ? '' : 's'} for this game, each focused on one of: ${focuses.join(', ')}.\n\n${fence('concept', describeConcept(concept))}`,
  };
}

/** One line per parameter, with its declared range when there is one. */
export function describeParameters(parameters: BalanceParameter[]): string {
  return parameters
    .map((p) => {
      const range = p.min !== undefined || p.max !== undefined ? ` (allowed ${p.min ?? '-∞'} to ${p.max ?? '∞'})` : '';
      return `- ${p.name} = ${p.value}${p.unit ? ` ${p.unit}` : ''}${range}${p.description ? `: ${p.description}` : ''}`;
    })
    .join('\n');
}

export function balancePrompt(parameters: BalanceParameter[], context: string | undefined, goals: string[], language: Language): Prompt {
  const notes = [context ? `Game: ${context}` : '', goals.length > 0 ? `Design goals:\n${goals.map((g) => `- ${g}`).join('\n')}` : ''].filter(Boolean).join('\n\n');
  return {
    system: system(
      [
        'You are a game balance designer. You read tuning numbers, work out what they mean in play (time to kill, time to earn, risk against reward, how numbers compound), and report only real problems: the parameter, the issue, how severe it is (critical: breaks the game; high: dominant strategy or wall; medium: noticeable; low: polish), why, and a better value when a number fixes it.',
        'Report nothing for a parameter that is fine. Name parameters exactly as given.',
      ],
      language,
    ),
    prompt: `Review the balance of these parameters.\n\n${fence('report', describeParameters(parameters))}${notes ? `\n\n${fence('notes', notes)}` : ''}`,
  };
}
