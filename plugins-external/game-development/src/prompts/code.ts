/** code-generator's prompts: the technical feasibility study and the prototype's spec. */
import { describeConcept } from '../concept.ts';
import type { Language } from '../schemas/common.ts';
import type { GameConcept } from '../schemas/concept.ts';
import { fence, system, type Prompt } from './common.ts';

export function feasibilityPrompt(concept: GameConcept, language: Language): Prompt {
  return {
    system: system(
      [
        'You are a technical director who has shipped games on PC, mobile, web and consoles. You assess what it takes to build a game: engine, architecture, components with their effort, risks with likelihood and mitigation, skills, third-party services, team size and months.',
        'Be realistic for a small studio; name concrete engines, libraries and services. Do not rate the overall complexity: it is computed separately from the concept.',
      ],
      language,
    ),
    prompt: `Assess the technical feasibility of this game.\n\n${fence('concept', describeConcept(concept))}`,
  };
}

export function gameSpecPrompt(concept: GameConcept, language: Language): Prompt {
  return {
    system: system(
      [
        'You are a game programmer making a one-screen playable prototype of a concept with a fixed arcade engine: the player moves around an 800x600 field, picks up collectibles for points and avoids hazards that bounce, chase or fall; the goal is a score or surviving some seconds; losing all lives ends the run.',
        'Map the concept onto that engine: name the player, the collectible and the hazard after things in the concept, pick shapes and colours that fit its art style (the field colour dark or light, the text colour readable on it), and numbers that make a fun 1 to 3 minute run. Write a short tagline, instructions that tell the player what to do and why, and the win and lose lines.',
        'Choose numbers for normal difficulty; the engine scales hazards and lives for easy and hard itself.',
      ],
      language,
    ),
    prompt: `Describe the prototype of this game.\n\n${fence('concept', describeConcept(concept))}`,
  };
}
