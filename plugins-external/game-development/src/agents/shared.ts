/** What every capability that takes a concept does first. */
import type { Context } from '@easel/sdk';
import { completeConcept, conceptWords } from '../concept.ts';
import { settings, type GameConfig, type Settings } from '../config.ts';
import { resolveLanguage } from '../language.ts';
import type { Language } from '../schemas/common.ts';
import type { ConceptInput, GameConcept } from '../schemas/concept.ts';

export interface WithConcept {
  concept: ConceptInput;
  language?: Language;
}

export interface Prepared {
  config: Settings;
  language: Language;
  concept: GameConcept;
}

/** The config settled, the answer's language chosen, the concept made whole. */
export function prepare(ctx: Context<GameConfig>, input: WithConcept): Prepared {
  const config = settings(ctx.config);
  const language = resolveLanguage(config, input.language, conceptWords(input.concept));
  return { config, language, concept: completeConcept(input.concept, language, config.defaultPlatforms) };
}

/** Keeps the first of each name (compared without case or surrounding space). */
export function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item).trim().toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
