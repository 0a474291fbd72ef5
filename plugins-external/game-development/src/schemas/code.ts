/** code-generator's shapes: the technical specification and the spec of the playable prototype. */
import { int, list, obj, oneOf, str, strList, type Schema } from './common.ts';

export const EFFORTS = ['low', 'medium', 'high'] as const;
export type Effort = (typeof EFFORTS)[number];

export const COMPLEXITY_LEVELS = ['simple', 'moderate', 'complex', 'enterprise'] as const;
export type ComplexityLevel = (typeof COMPLEXITY_LEVELS)[number];

export const COMPLEXITY_FACTORS = ['mechanics', 'platforms', 'multiplayer'] as const;
export type ComplexityFactor = (typeof COMPLEXITY_FACTORS)[number];

export interface Complexity {
  level: ComplexityLevel;
  score: number;
  factors: { factor: ComplexityFactor; points: number; explanation: string }[];
  explanation: string;
}

export interface FeasibilityAnswer {
  summary: string;
  engine: { name: string; reason: string };
  architecture: string;
  components: { name: string; description: string; effort: Effort }[];
  risks: { risk: string; likelihood: Effort; mitigation: string }[];
  requiredSkills: string[];
  thirdPartyServices: string[];
  estimatedTeamSize: number;
  estimatedMonths: number;
}

export type TechnicalSpecification = FeasibilityAnswer & { complexity: Complexity };

const feasibilityFields = {
  summary: str(800, 'Can it be built, and what is hardest'),
  engine: obj({ name: str(60), reason: str(400) }),
  architecture: str(1200, 'Main modules and how they talk'),
  components: list(obj({ name: str(80), description: str(300), effort: oneOf(EFFORTS) }), 2, 12),
  risks: list(obj({ risk: str(300), likelihood: oneOf(EFFORTS), mitigation: str(300) }), 1, 8),
  requiredSkills: strList(1, 10, 80),
  thirdPartyServices: strList(0, 8, 120, 'Backends, SDKs or stores it needs; empty when none'),
  estimatedTeamSize: int(1, 200),
  estimatedMonths: int(1, 60),
};

export const feasibilityModelSchema: Schema = obj(feasibilityFields);

export const complexitySchema: Schema = obj({
  level: oneOf(COMPLEXITY_LEVELS),
  score: int(0, 20),
  factors: list(obj({ factor: oneOf(COMPLEXITY_FACTORS), points: int(0, 10), explanation: str(300) }), 3, 3),
  explanation: str(300),
});

export const technicalSpecificationSchema: Schema = obj({ ...feasibilityFields, complexity: complexitySchema });

export const SHAPES = ['circle', 'square', 'triangle'] as const;
export type Shape = (typeof SHAPES)[number];
export const HAZARD_BEHAVIORS = ['bounce', 'chase', 'fall'] as const;
export type HazardBehavior = (typeof HAZARD_BEHAVIORS)[number];
export const GOAL_TYPES = ['score', 'survive'] as const;
export type GoalType = (typeof GOAL_TYPES)[number];
export const CONTROLS = ['arrows', 'wasd', 'both'] as const;
export type Controls = (typeof CONTROLS)[number];
export const DIFFICULTIES = ['easy', 'normal', 'hard'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export interface Entity {
  name: string;
  shape: Shape;
  color: string;
  size: number;
}

/** The prototype as the model describes it; the template in src/game turns it into code. */
export interface GameSpec {
  title: string;
  tagline: string;
  instructions: string;
  winText: string;
  loseText: string;
  player: Entity & { speed: number };
  collectible: Entity & { points: number; count: number };
  hazard: Entity & { speed: number; count: number; behavior: HazardBehavior };
  background: string;
  textColor: string;
  goal: { type: GoalType; target: number };
  lives: number;
  controls: Controls;
}

const color = (description: string) => ({ type: 'string', pattern: '^#[0-9a-fA-F]{6}$', description: `${description}, as #rrggbb` });
const entity = (what: string, size: [number, number]) => ({ name: str(40), shape: oneOf(SHAPES), color: color(`${what} colour`), size: int(size[0], size[1], 'Radius in pixels on an 800x600 field') });

/** The bounds of every number in a spec; the code clamps to them again. */
export const SPEC_BOUNDS = {
  playerSize: [10, 40],
  playerSpeed: [120, 480],
  collectibleSize: [6, 30],
  points: [1, 100],
  collectibleCount: [1, 12],
  hazardSize: [8, 50],
  hazardSpeed: [40, 360],
  hazardCount: [0, 12],
  scoreTarget: [10, 1000],
  surviveSeconds: [15, 300],
  lives: [1, 9],
} as const satisfies Record<string, readonly [number, number]>;

const b = SPEC_BOUNDS;

export const gameSpecSchema: Schema = obj({
  title: str(60),
  tagline: str(120),
  instructions: str(300, 'How to play, for the page under the game'),
  winText: str(80),
  loseText: str(80),
  player: obj({ ...entity('Player', [...b.playerSize]), speed: int(b.playerSpeed[0], b.playerSpeed[1], 'Pixels per second') }),
  collectible: obj({ ...entity('Collectible', [...b.collectibleSize]), points: int(...b.points), count: int(b.collectibleCount[0], b.collectibleCount[1], 'How many are on the field at once') }),
  hazard: obj({
    ...entity('Hazard', [...b.hazardSize]),
    speed: int(b.hazardSpeed[0], b.hazardSpeed[1], 'Pixels per second'),
    count: int(b.hazardCount[0], b.hazardCount[1], 'How many at once'),
    behavior: oneOf(HAZARD_BEHAVIORS, 'bounce: off the walls; chase: toward the player; fall: from the top'),
  }),
  background: color('Field colour'),
  textColor: color('Score and message colour, readable on the field'),
  goal: obj({ type: oneOf(GOAL_TYPES, 'score: reach a score; survive: last a number of seconds'), target: int(Math.min(b.scoreTarget[0], b.surviveSeconds[0]), Math.max(b.scoreTarget[1], b.surviveSeconds[1]), 'Points to reach, or seconds to survive') }),
  lives: int(...b.lives),
  controls: oneOf(CONTROLS),
});

export const checksSchema: Schema = obj({
  parses: { type: 'boolean', description: 'The script parses as JavaScript' },
  parseCheck: oneOf(['function-constructor', 'template-invariant'], 'How that was checked: compiled with new Function, or (where the sandbox forbids compiling strings) proven by the template\'s shape'),
  safeInHtml: { type: 'boolean', description: 'The script holds no </script or <!-- that could end its element early' },
  bytes: int(0, 1_000_000, 'Size of the HTML page in UTF-16 code units'),
  features: list(oneOf(['requestAnimationFrame', 'keyboard', 'touch', 'collision', 'score', 'win-lose', 'restart']), 0, 7, 'What the template wires in'),
});
