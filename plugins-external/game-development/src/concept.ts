/** A concept handed in (maybe partial) made whole, and written out for a prompt. */
import type { Language, Platform } from './schemas/common.ts';
import type { ConceptInput, GameConcept } from './schemas/concept.ts';

/** Fills what a partial concept leaves out, so every capability can count on each field. */
export function completeConcept(input: ConceptInput, language: Language, defaultPlatforms: Platform[]): GameConcept {
  const unspecified = language === 'ko' ? '미정' : 'unspecified';
  return {
    title: input.title,
    tagline: input.tagline ?? input.title,
    genre: input.genre ?? unspecified,
    summary: input.summary,
    coreLoop: input.coreLoop ?? [],
    mechanics: input.mechanics ?? [],
    setting: input.setting ?? unspecified,
    artStyle: input.artStyle ?? unspecified,
    targetPlatforms: input.targetPlatforms && input.targetPlatforms.length > 0 ? [...new Set(input.targetPlatforms)] : [...defaultPlatforms],
    multiplayer: input.multiplayer ?? { mode: 'none', maxPlayers: 1 },
    targetAudience: input.targetAudience ?? unspecified,
    uniqueSellingPoints: input.uniqueSellingPoints ?? [],
    language: input.language ?? language,
  };
}

/** The words of a concept, for telling which language it is in. */
export function conceptWords(input: ConceptInput): string {
  return [input.title, input.summary, input.genre ?? '', input.tagline ?? '', ...(input.mechanics ?? []).map((m) => `${m.name} ${m.description}`)].join(' ');
}

/** The concept as a plain block for a prompt (the model reads it as data, not as instructions). */
export function describeConcept(c: GameConcept): string {
  const lines = [
    `Title: ${c.title}`,
    `Tagline: ${c.tagline}`,
    `Genre: ${c.genre}`,
    `Summary: ${c.summary}`,
  ];
  if (c.coreLoop.length > 0) lines.push('Core loop:', ...c.coreLoop.map((step, i) => `  ${i + 1}. ${step}`));
  if (c.mechanics.length > 0) lines.push('Mechanics:', ...c.mechanics.map((m) => `  - ${m.name}: ${m.description}`));
  lines.push(
    `Setting: ${c.setting}`,
    `Art style: ${c.artStyle}`,
    `Target platforms: ${c.targetPlatforms.join(', ')}`,
    `Multiplayer: ${c.multiplayer.mode === 'none' ? 'none (single-player)' : `${c.multiplayer.mode}, up to ${c.multiplayer.maxPlayers} players`}`,
    `Target audience: ${c.targetAudience}`,
  );
  if (c.uniqueSellingPoints.length > 0) lines.push('Unique selling points:', ...c.uniqueSellingPoints.map((u) => `  - ${u}`));
  return lines.join('\n');
}
