/** game-designer's other answers: mechanics, story, and the refined concept with its plan. */
import { int, list, obj, oneOf, str, strList, type Schema } from './common.ts';
import type { GameConcept } from './concept.ts';

export interface MechanicParameter {
  name: string;
  value: number;
  unit: string;
  description: string;
}

export interface MechanicDesign {
  name: string;
  description: string;
  playerActions: string[];
  rules: string[];
  parameters: MechanicParameter[];
  dependsOn: string[];
}

export interface MechanicsAnswer {
  mechanics: MechanicDesign[];
  progression: string;
  synergies: string[];
}

export const parameterSchema = obj({
  name: { type: 'string', minLength: 1, maxLength: 60, pattern: '^[A-Za-z][A-Za-z0-9_]*$', description: 'camelCase identifier, e.g. jumpHeight' },
  value: { type: 'number', minimum: -1e9, maximum: 1e9 },
  unit: { type: 'string', maxLength: 20, description: 'e.g. px, s, %, hp; empty when none' },
  description: str(200),
});

export function mechanicsModelSchema(count: number): Schema {
  return obj({
    mechanics: list(
      obj({
        name: str(80),
        description: str(600),
        playerActions: strList(1, 6, 150, 'What the player does'),
        rules: strList(1, 8, 200, 'How the system answers'),
        parameters: list(parameterSchema, 0, 8, 'Tunable numbers of this mechanic'),
        dependsOn: strList(0, 6, 80, 'Names of other mechanics in this list it needs'),
      }),
      1,
      count,
    ),
    progression: str(1000, 'How the mechanics deepen over a playthrough'),
    synergies: strList(0, 6, 300, 'Interesting interactions between mechanics'),
  });
}

export const STORY_LENGTHS = ['short', 'medium', 'long'] as const;
export type StoryLength = (typeof STORY_LENGTHS)[number];
/** How many acts each length asks for. */
export const ACTS: Readonly<Record<StoryLength, number>> = { short: 3, medium: 4, long: 5 };

export interface StoryAnswer {
  premise: string;
  world: string;
  characters: { name: string; role: string; description: string }[];
  acts: { title: string; summary: string; gameplayHook: string }[];
  endings: string[];
  themes: string[];
}

export function storyModelSchema(acts: number): Schema {
  return obj({
    premise: str(600),
    world: str(1500),
    characters: list(obj({ name: str(60), role: str(60), description: str(400) }), 1, 8),
    acts: list(obj({ title: str(100), summary: str(800), gameplayHook: str(300, 'What the player does in this act') }), acts, acts),
    endings: strList(1, 3, 400),
    themes: strList(1, 5, 60),
  });
}

export interface Milestone {
  name: string;
  goal: string;
  durationWeeks: number;
  deliverables: string[];
}

export interface PlannedMilestone extends Milestone {
  startWeek: number;
  endWeek: number;
}

export interface DevelopmentPlan {
  milestones: PlannedMilestone[];
  totalWeeks: number;
  teamSize: number;
}

export interface RefinementAnswer {
  concept: Omit<GameConcept, 'language'>;
  changes: string[];
  risks: { risk: string; mitigation: string }[];
  milestones: Milestone[];
  teamSize: number;
}

export const milestoneModel = obj({
  name: str(80),
  goal: str(400),
  durationWeeks: int(1, 52),
  deliverables: strList(1, 6, 200),
});

export const developmentPlanSchema: Schema = obj({
  milestones: list(obj({ ...(milestoneModel as { properties: Record<string, Schema> }).properties, startWeek: int(1, 1000), endWeek: int(1, 1000) }), 1, 8),
  totalWeeks: int(1, 1000, 'Sum of the milestones\' durations (they run one after another)'),
  teamSize: int(1, 200),
});

export const risksSchema: Schema = list(obj({ risk: str(300), mitigation: str(300) }), 0, 8);

export function refinementModelSchema(conceptModel: Schema): Schema {
  return obj({
    concept: conceptModel,
    changes: strList(1, 10, 300, 'What changed from the draft and why'),
    risks: risksSchema,
    milestones: list(milestoneModel, 3, 8, 'Production milestones, in order'),
    teamSize: int(1, 200),
  });
}

export const storyLengthInput = oneOf(STORY_LENGTHS, 'How long a story: 3, 4 or 5 acts');
