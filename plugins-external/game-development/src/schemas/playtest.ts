/** playtester's shapes: playtest scenarios and balance findings. */
import { int, list, obj, oneOf, SEVERITIES, str, strList, type Schema, type Severity } from './common.ts';

export const FOCUSES = ['onboarding', 'core-loop', 'difficulty', 'progression', 'multiplayer', 'accessibility', 'performance'] as const;
export type Focus = (typeof FOCUSES)[number];

export interface Scenario {
  id: string;
  title: string;
  focus: Focus;
  persona: string;
  goal: string;
  steps: string[];
  expectedOutcome: string;
  metrics: { name: string; target: string; method: string }[];
  durationMinutes: number;
}

export type ScenarioAnswer = { scenarios: Omit<Scenario, 'id'>[] };

const scenarioFields = (focuses: readonly string[]) => ({
  title: str(120),
  focus: oneOf(focuses),
  persona: str(200, 'Who plays: experience, habits, device'),
  goal: str(300, 'What the session should find out'),
  steps: strList(2, 10, 200, 'What the tester does, in order'),
  expectedOutcome: str(400),
  metrics: list(obj({ name: str(80), target: str(80, 'The value that means it works, e.g. "under 90 s" or "80% complete it"'), method: str(150, 'How it is measured') }), 1, 5),
  durationMinutes: int(1, 120),
});

export function scenariosModelSchema(count: number, focuses: readonly string[]): Schema {
  return obj({ scenarios: list(obj(scenarioFields(focuses)), count, count) });
}

export const scenarioSchema: Schema = obj({ id: { type: 'string', maxLength: 5, pattern: '^PT-[0-9]{2}$' }, ...scenarioFields(FOCUSES) });

export const playtestPlanSchema: Schema = obj({
  scenarios: list(scenarioSchema, 1, 10),
  totalMinutes: int(1, 1200, 'Sum of the scenarios\' durations'),
});

export interface BalanceParameter {
  name: string;
  value: number;
  unit?: string;
  min?: number;
  max?: number;
  description?: string;
}

export interface Finding {
  parameter: string;
  issue: string;
  severity: Severity;
  reasoning: string;
  suggestedValue?: number;
  changePercent?: number;
  suggestedChange: string;
  source: 'model' | 'rule';
}

export type BalanceAnswer = { findings: Omit<Finding, 'source' | 'changePercent'>[]; summary: string };

export const OVERALL = ['balanced', 'minor-issues', 'major-issues'] as const;
export type Overall = (typeof OVERALL)[number];

/** Numbers in and out of balance-testing stay within ±1e9, so a suggested bound is always a valid output. */
const NUMBER = { type: 'number', minimum: -1e9, maximum: 1e9 };

const findingFields = (names: readonly string[]) => ({
  parameter: { ...oneOf(names), description: 'One of the given parameter names' },
  issue: str(400),
  severity: oneOf(SEVERITIES),
  reasoning: str(600, 'Why, from the numbers and the game\'s goals'),
  suggestedValue: { ...NUMBER, description: 'A better value, when a number fixes it' },
  suggestedChange: str(300),
});

export function balanceModelSchema(names: readonly string[]): Schema {
  return obj({
    findings: list(obj(findingFields(names), ['parameter', 'issue', 'severity', 'reasoning', 'suggestedChange']), 0, 20),
    summary: str(800),
  });
}

export const findingSchema: Schema = obj(
  {
    ...findingFields([]),
    parameter: str(80),
    changePercent: { type: 'number', description: 'suggestedValue against the current value, in percent (1 decimal)' },
    source: oneOf(['model', 'rule'], 'rule: a value outside its declared min/max, found by the code; model: the model\'s finding'),
  },
  ['parameter', 'issue', 'severity', 'reasoning', 'suggestedChange', 'source'],
);

export const balanceParameterSchema: Schema = obj(
  {
    name: str(80),
    value: { ...NUMBER, description: 'The current value' },
    unit: { type: 'string', maxLength: 20 },
    min: { ...NUMBER, description: 'The lowest value the design allows' },
    max: { ...NUMBER, description: 'The highest value the design allows' },
    description: { type: 'string', maxLength: 300 },
  },
  ['name', 'value'],
);
