/**
 * Builds plugin.json from the schemas in src/schemas, so the manifest's input and output
 * schemas and the shapes the code asks models for come from one definition.
 *
 *   node scripts/manifest.ts          writes plugin.json
 *   node scripts/manifest.ts --check  exits 1 when plugin.json differs from what it would write
 *
 * test/manifest.test.ts fails when plugin.json and this builder drift apart.
 */
import { assetInputSchema, assetSchema, assetSummarySchema, MAX_ASSETS, spriteSchema } from '../src/schemas/assets.ts';
import {
  int,
  languageInput,
  LANGUAGES,
  list,
  obj,
  oneOf,
  PLATFORMS,
  SEVERITIES,
  SPRITE_SIZES,
  SPRITE_STYLES,
  str,
  strList,
  text,
  usageProps,
  type Schema,
} from '../src/schemas/common.ts';
import { checksSchema, DIFFICULTIES, gameSpecSchema, technicalSpecificationSchema } from '../src/schemas/code.ts';
import { conceptInputSchema, conceptSchema } from '../src/schemas/concept.ts';
import { developmentPlanSchema, mechanicsModelSchema, risksSchema, STORY_LENGTHS, storyModelSchema } from '../src/schemas/design.ts';
import { balanceParameterSchema, findingSchema, FOCUSES, OVERALL, playtestPlanSchema, scenarioSchema } from '../src/schemas/playtest.ts';
import { configSchema } from '../src/config.ts';

const props = (schema: Schema) => (schema as { properties: Record<string, Schema> }).properties;
const describe = (schema: Schema, description: string): Schema => ({ ...schema, description });

const language = oneOf(LANGUAGES, 'The language the answer is written in');
const usage = { language, ...usageProps };
const platformsInput = { type: 'array', items: oneOf(PLATFORMS), minItems: 1, maxItems: PLATFORMS.length, uniqueItems: true, description: 'Platforms to target (default: the config\'s defaultPlatforms)' };
const concept = conceptInputSchema;
const difficulty = { ...oneOf(DIFFICULTIES, 'easy and hard scale hazard speed, hazard count and lives'), default: 'normal' };
const spriteStyle = oneOf(SPRITE_STYLES, 'canvas style (default: the config\'s spriteStyle)');
const spriteSize = oneOf(SPRITE_SIZES, 'canvas image size (default: the config\'s spriteSize)');
const AGENTS = ['game-designer', 'asset-generator', 'code-generator', 'playtester'] as const;

const step = obj(
  { agent: str(130), capability: str(64), model: { type: 'string', maxLength: 200 }, cost: { type: 'number', minimum: 0, description: 'USD the step reported' } },
  ['agent', 'capability', 'cost'],
);
const runProps = {
  steps: list(step, 0, 64, 'The agent calls this run made, in call order, with their reported model and cost'),
  totalCost: { type: 'number', minimum: 0, description: 'USD: the sum of the steps\' reported costs (the execution record has what the host billed)' },
  durationMs: int(0, 86_400_000, 'Wall time of this run of the workflow'),
};

const conceptCreationInput = obj(
  {
    idea: text(2000, 'The game idea, in Korean or English'),
    genre: text(60),
    platforms: platformsInput,
    multiplayer: { type: 'boolean', description: 'true: a multiplayer game; false: single-player only; absent: decided from the idea' },
    targetAudience: text(200),
    language: languageInput,
  },
  ['idea'],
);

const mechanicsOutput = obj({ ...props(mechanicsModelSchema(10)), ...usage });
const storyOutput = (() => {
  const p = props(storyModelSchema(3));
  return obj({ ...p, acts: { ...p.acts, minItems: 3, maxItems: 5 }, length: oneOf(STORY_LENGTHS), ...usage });
})();
const runtimeSpec = obj({ ...props(gameSpecSchema), labels: obj({ score: str(40), lives: str(40), time: str(40), restart: str(120), controls: str(120) }) });
const gameProps = {
  title: str(60),
  html: { type: 'string', maxLength: 200_000, description: 'The whole game as one HTML page; open it in a browser' },
  script: { type: 'string', maxLength: 150_000, description: 'The game\'s JavaScript, as embedded in the page' },
  spec: describe(runtimeSpec, 'What the game was built from: the model\'s spec after clamping, with the fixed words of the page'),
  checks: checksSchema,
  difficulty: oneOf(DIFFICULTIES),
};

const capability = (name: string, description: string, input: Schema, output: Schema) => ({ name, description, input, output });

export function buildManifest(): Record<string, unknown> {
  return {
    name: 'game-development',
    version: '1.0.1',
    description: 'Game development: design, asset, code and playtest agents that take a game idea (Korean or English) to a refined concept, sprites and a playable HTML5 prototype',
    author: 'Easel team',
    license: 'Apache-2.0',
    engines: { easel: '^1.1.0' },
    dependencies: { canvas: '^1.1.0' },
    permissions: {
      models: { tasks: ['structured'], maxTier: 'premium' },
      agents: ['canvas/image-generator'],
    },
    limits: { memoryMb: 128, timeoutMs: 120000, cpuMs: 5000 },
    config: configSchema,
    agents: [
      {
        type: 'game-designer',
        description: 'Designs the game: the concept, its mechanics and story, and the refined concept with a development plan',
        capabilities: [
          capability('concept-creation', 'A game concept from an idea: title, genre, core loop, mechanics, setting, platforms, multiplayer, audience (premium tier by default)', conceptCreationInput, obj({ concept: conceptSchema, ...usage })),
          capability(
            'mechanics-design',
            'Core mechanics in buildable detail: player actions, rules, tunable parameters and dependencies',
            obj({ concept, count: { ...int(1, 10, 'At most this many mechanics'), default: 5 }, focus: text(500, 'What to concentrate on'), language: languageInput }, ['concept']),
            mechanicsOutput,
          ),
          capability(
            'story-development',
            'A story for the concept: premise, world, characters, acts with gameplay hooks, endings and themes',
            obj({ concept, length: { ...oneOf(STORY_LENGTHS, 'short: 3 acts, medium: 4, long: 5'), default: 'medium' }, tone: text(100), language: languageInput }, ['concept']),
            storyOutput,
          ),
          capability(
            'concept-refinement',
            'The concept refined with the asset, feasibility and playtest reports, and a development plan of milestones with durations',
            obj(
              {
                concept,
                constraints: obj(
                  { platforms: platformsInput, multiplayer: { type: 'boolean' } },
                  [],
                  'What the requester fixed; the refined concept keeps exactly these platforms and this multiplayer choice',
                ),
                assets: list(assetSchema, 0, MAX_ASSETS, 'asset-generator.asset-analysis\'s assets'),
                technicalSpecification: describe(technicalSpecificationSchema, 'code-generator.feasibility-analysis\'s specification'),
                playtestScenarios: list(scenarioSchema, 0, 10, 'playtester.scenario-generation\'s scenarios'),
                feedback: text(2000, 'Anything else to take into account'),
                language: languageInput,
              },
              ['concept'],
            ),
            obj({ concept: conceptSchema, changes: strList(1, 10, 300), risks: risksSchema, developmentPlan: developmentPlanSchema, ...usage }),
          ),
        ],
      },
      {
        type: 'asset-generator',
        description: 'Lists the assets a game needs and draws sprites for them through canvas',
        capabilities: [
          capability(
            'asset-analysis',
            'The assets a concept needs (sprites, backgrounds, UI, audio), each with a description, priority and suggested style and size, high priority first',
            obj({ concept, maxAssets: int(1, MAX_ASSETS, 'At most this many (default: the config\'s maxAssets)'), language: languageInput }, ['concept']),
            obj({ assets: list(assetSchema, 1, MAX_ASSETS), summary: assetSummarySchema, ...usage }),
          ),
          capability(
            'sprite-generation',
            'Draws the image assets of a list with canvas/image-generator (one image each); audio and assets past maxSprites are skipped',
            obj(
              {
                assets: list(assetInputSchema, 1, MAX_ASSETS, 'Assets to draw, e.g. asset-analysis\'s list; type defaults to sprite'),
                style: spriteStyle,
                size: spriteSize,
                maxSprites: int(1, 16, 'Draw at most this many (default: the config\'s maxSprites)'),
                language: languageInput,
              },
              ['assets'],
            ),
            obj({
              sprites: list(spriteSchema, 1, MAX_ASSETS),
              generated: int(0, MAX_ASSETS),
              skipped: int(0, MAX_ASSETS),
              failed: int(0, MAX_ASSETS),
              style: oneOf(SPRITE_STYLES),
              size: oneOf(SPRITE_SIZES),
              cost: { type: 'number', minimum: 0, description: 'USD: the sum of the drawn images\' costs' },
              language,
            }),
          ),
        ],
      },
      {
        type: 'code-generator',
        description: 'Assesses technical feasibility and builds a playable HTML5 prototype',
        capabilities: [
          capability(
            'feasibility-analysis',
            'A technical specification (engine, architecture, components, risks, team) with a complexity level computed from the mechanics count, platforms and multiplayer mode',
            obj({ concept, language: languageInput }, ['concept']),
            obj({ specification: technicalSpecificationSchema, ...usage }),
          ),
          capability(
            'script-generation',
            'A playable single-file HTML5 <canvas> game: the model describes it, a fixed template builds it, and the script is checked to parse',
            obj({ concept, difficulty, language: languageInput }, ['concept']),
            obj({ ...gameProps, ...usage }),
          ),
        ],
      },
      {
        type: 'playtester',
        description: 'Plans playtests and reviews game balance',
        capabilities: [
          capability(
            'scenario-generation',
            'Playtest scenarios for a concept: persona, goal, steps, expected outcome and metrics with targets',
            obj(
              {
                concept,
                count: { ...int(1, 10, 'How many scenarios'), default: 5 },
                focus: { type: 'array', items: oneOf(FOCUSES), minItems: 1, maxItems: FOCUSES.length, uniqueItems: true, description: 'What the scenarios test (default: all that apply)' },
                language: languageInput,
              },
              ['concept'],
            ),
            obj({ ...props(playtestPlanSchema), ...usage }),
          ),
          capability(
            'balance-testing',
            'Balance findings for tuning parameters: issue, severity, reasoning and a suggested change; values outside their declared range are flagged by the code',
            obj(
              {
                parameters: list(balanceParameterSchema, 1, 40, 'Names must be unique'),
                concept,
                context: text(2000, 'What the game is, if no concept is given'),
                goals: list(text(200), 0, 8, 'Design goals the numbers should serve'),
                language: languageInput,
              },
              ['parameters'],
            ),
            obj({
              findings: list(findingSchema, 0, 60, 'Most severe first'),
              overall: oneOf(OVERALL, 'major-issues with any critical or high finding, minor-issues with any other, else balanced'),
              counts: obj(Object.fromEntries(SEVERITIES.map((s) => [s, int(0, 60)]))),
              summary: str(800),
              ...usage,
            }),
          ),
        ],
      },
    ],
    workflows: [
      {
        type: 'game-concept-creation',
        description: 'Idea to refined concept: concept, then asset requirements, technical feasibility and playtest scenarios in parallel, then refinement with a development plan',
        input: conceptCreationInput,
        output: obj({
          title: str(100),
          language,
          concept: conceptSchema,
          assetRequirements: obj({ assets: list(assetSchema, 1, MAX_ASSETS), summary: assetSummarySchema }),
          technicalSpecification: technicalSpecificationSchema,
          developmentPlan: developmentPlanSchema,
          playtestPlan: playtestPlanSchema,
          refinement: obj({ changes: strList(1, 10, 300), risks: risksSchema }),
          agentsUsed: list(oneOf(AGENTS), 1, AGENTS.length),
          ...runProps,
        }),
      },
      {
        type: 'asset-creation',
        description: 'Sprites for a game: the asset list (analysed from a concept when no list is given), then images drawn by canvas',
        input: {
          ...obj(
            {
              concept,
              assets: list(assetInputSchema, 1, MAX_ASSETS, 'Assets to draw; without them, asset-analysis lists them from the concept'),
              style: spriteStyle,
              size: spriteSize,
              maxAssets: int(1, MAX_ASSETS, 'For the analysis: list at most this many'),
              maxSprites: int(1, 16, 'Draw at most this many (default: the config\'s maxSprites)'),
              language: languageInput,
            },
            [],
          ),
          anyOf: [{ required: ['concept'] }, { required: ['assets'] }],
        },
        output: obj({
          assets: list(obj(props(assetInputSchema), ['id', 'name', 'type']), 1, MAX_ASSETS),
          sprites: list(spriteSchema, 1, MAX_ASSETS),
          generated: int(0, MAX_ASSETS),
          failed: int(0, MAX_ASSETS),
          skipped: int(0, MAX_ASSETS),
          agentsUsed: list(oneOf(['asset-generator', 'canvas/image-generator']), 1, 2),
          ...runProps,
          language,
        }),
      },
      {
        type: 'code-generation',
        description: 'A playable single-file HTML5 game from a concept, or from an idea turned into one first; the script is checked to parse',
        input: {
          ...obj({ concept, idea: text(2000, 'A game idea, used when no concept is given'), platforms: platformsInput, difficulty, language: languageInput }, []),
          anyOf: [{ required: ['concept'] }, { required: ['idea'] }],
        },
        output: obj({ ...gameProps, language, concept, agentsUsed: list(oneOf(['game-designer', 'code-generator']), 1, 2), ...runProps }),
      },
    ],
    routes: [
      { method: 'POST', path: '/concepts', workflow: 'game-concept-creation', description: 'Runs game-concept-creation to its end (JSON body: its input)' },
      { method: 'POST', path: '/prototypes', workflow: 'code-generation', description: 'Runs code-generation to its end: a playable HTML5 game' },
      { method: 'POST', path: '/balance', agent: 'playtester', capability: 'balance-testing', description: 'Balance findings for tuning parameters' },
    ],
    keywords: ['game', 'game-design', 'html5', 'prototype', 'korean'],
  };
}

/** JSON indented by two spaces, with any object or array whose JSON is at most `width` characters kept on one line. */
export function compactJson(value: unknown, width = 100, indent = ''): string {
  const flat = JSON.stringify(value);
  if (value === null || typeof value !== 'object' || flat.length <= width) return flat;
  const inner = `${indent}  `;
  const parts = Array.isArray(value)
    ? value.map((v) => `${inner}${compactJson(v, width, inner)}`)
    : Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, width, inner)}`);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${parts.join(',\n')}\n${indent}${close}`;
}

/** plugin.json's text: compact two-space JSON and a final newline. */
export function manifestText(): string {
  return `${compactJson(buildManifest())}\n`;
}

if (import.meta.main) {
  const { readFileSync, writeFileSync } = await import('node:fs');
  const path = new URL('../plugin.json', import.meta.url);
  if (process.argv.includes('--check')) {
    const same = readFileSync(path, 'utf8') === manifestText();
    console.log(same ? 'plugin.json is up to date' : 'plugin.json differs: run node scripts/manifest.ts');
    process.exit(same ? 0 : 1);
  }
  writeFileSync(path, manifestText());
  console.log('wrote plugin.json');
}
