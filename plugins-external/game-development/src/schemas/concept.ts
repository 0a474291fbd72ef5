/** The game concept: what concept-creation answers and what every other capability takes. */
import {
  int,
  LANGUAGES,
  list,
  MULTIPLAYER_MODES,
  obj,
  oneOf,
  PLATFORMS,
  str,
  strList,
  type Language,
  type MultiplayerMode,
  type Platform,
  type Schema,
} from './common.ts';

export interface Mechanic {
  name: string;
  description: string;
}

export interface Multiplayer {
  mode: MultiplayerMode;
  maxPlayers: number;
}

export interface GameConcept {
  title: string;
  tagline: string;
  genre: string;
  summary: string;
  coreLoop: string[];
  mechanics: Mechanic[];
  setting: string;
  artStyle: string;
  targetPlatforms: Platform[];
  multiplayer: Multiplayer;
  targetAudience: string;
  uniqueSellingPoints: string[];
  language: Language;
}

/** What an app may hand in as a concept: a title and a summary at least. */
export type ConceptInput = Partial<GameConcept> & Pick<GameConcept, 'title' | 'summary'>;

export const MAX_MECHANICS = 12;

const mechanic = obj({ name: str(80), description: str(400) });

/** Constraints the request puts on the concept; they narrow the schema the model must meet. */
export interface ConceptConstraints {
  platforms?: Platform[];
  multiplayer?: boolean;
}

/** The concept as the model writes it (no `language`: the code knows it). */
export function conceptModelSchema(constraints: ConceptConstraints = {}): Schema {
  const platforms = constraints.platforms ? [...new Set(constraints.platforms)] : [...PLATFORMS];
  const modes = constraints.multiplayer === undefined ? [...MULTIPLAYER_MODES] : constraints.multiplayer ? MULTIPLAYER_MODES.filter((m) => m !== 'none') : ['none'];
  return obj({
    title: str(100, 'The game\'s name'),
    tagline: str(200, 'One line that sells the game'),
    genre: str(60),
    summary: str(1500, 'What the game is, in a paragraph'),
    coreLoop: strList(2, 8, 200, 'The loop the player repeats, one step per item, in order'),
    mechanics: list(mechanic, 1, MAX_MECHANICS, 'The distinct systems the player interacts with'),
    setting: str(800, 'World, era and mood'),
    artStyle: str(200),
    targetPlatforms: { type: 'array', minItems: constraints.platforms ? platforms.length : 1, maxItems: platforms.length, uniqueItems: true, items: oneOf(platforms) },
    multiplayer: obj({ mode: oneOf(modes), maxPlayers: int(1, 1000, 'Most players in one session (1 for single-player)') }),
    targetAudience: str(200),
    uniqueSellingPoints: strList(1, 6, 200),
  });
}

/** The concept as the plugin answers it. */
export const conceptSchema: Schema = (() => {
  const model = conceptModelSchema() as { properties: Record<string, Schema>; required: string[] };
  return obj({ ...model.properties, language: oneOf(LANGUAGES) });
})();

/** A concept an app or a workflow hands in: the answered shape, but only title and summary required. */
export const conceptInputSchema: Schema = (() => {
  const full = conceptSchema as { properties: Record<string, Schema> };
  const properties = { ...full.properties, mechanics: list(mechanic, 0, MAX_MECHANICS), coreLoop: strList(0, 8, 200), uniqueSellingPoints: strList(0, 6, 200) };
  return obj(properties, ['title', 'summary'], 'A game concept, as game-designer.concept-creation answers it; only title and summary are required');
})();
