/**
 * The admin-set configuration (plugin.json `config`), read with a fallback for every field: the
 * host validates the config against the schema but does not fill in its defaults.
 */
import {
  LANGUAGES,
  PLATFORMS,
  SPRITE_SIZES,
  SPRITE_STYLES,
  TIERS,
  type Language,
  type Platform,
  type Schema,
  type SpriteSize,
  type SpriteStyle,
  type Tier,
} from './schemas/common.ts';

/** Every phase that asks a model, named after its capability. */
export const PHASES = [
  'concept-creation',
  'mechanics-design',
  'story-development',
  'concept-refinement',
  'asset-analysis',
  'feasibility-analysis',
  'script-generation',
  'scenario-generation',
  'balance-testing',
] as const;
export type Phase = (typeof PHASES)[number];

/** Creative and planning work asks for the high tier; the rest for the middle one. */
export const DEFAULT_TIERS: Readonly<Record<Phase, Tier>> = {
  'concept-creation': 'premium',
  'mechanics-design': 'standard',
  'story-development': 'standard',
  'concept-refinement': 'premium',
  'asset-analysis': 'standard',
  'feasibility-analysis': 'standard',
  'script-generation': 'standard',
  'scenario-generation': 'standard',
  'balance-testing': 'standard',
};

export interface GameConfig {
  language?: 'auto' | Language;
  defaultPlatforms?: Platform[];
  maxAssets?: number;
  maxSprites?: number;
  spriteStyle?: SpriteStyle;
  spriteSize?: SpriteSize;
  tiers?: Partial<Record<Phase, Tier>>;
  modelStrategy?: 'cost-first' | 'quality-first' | 'balanced';
}

export interface Settings {
  language: 'auto' | Language;
  defaultPlatforms: Platform[];
  maxAssets: number;
  maxSprites: number;
  spriteStyle: SpriteStyle;
  spriteSize: SpriteSize;
  tiers: Record<Phase, Tier>;
}

export const DEFAULTS: Omit<Settings, 'tiers'> = {
  language: 'auto',
  defaultPlatforms: ['web'],
  maxAssets: 12,
  maxSprites: 4,
  spriteStyle: 'cartoon',
  spriteSize: '512x512',
};

function pick<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}

function count(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}

/** The config with every field settled (anything missing or out of range takes its default). */
export function settings(config: Readonly<GameConfig> | undefined): Settings {
  const c = config ?? {};
  const platforms = Array.isArray(c.defaultPlatforms) ? [...new Set(c.defaultPlatforms.filter((p) => (PLATFORMS as readonly string[]).includes(p)))] : [];
  const tiers = { ...DEFAULT_TIERS };
  for (const phase of PHASES) tiers[phase] = pick(c.tiers?.[phase], TIERS, DEFAULT_TIERS[phase]);
  return {
    language: pick(c.language, ['auto', ...LANGUAGES], DEFAULTS.language),
    defaultPlatforms: platforms.length > 0 ? platforms : DEFAULTS.defaultPlatforms,
    maxAssets: count(c.maxAssets, 1, 40, DEFAULTS.maxAssets),
    maxSprites: count(c.maxSprites, 1, 16, DEFAULTS.maxSprites),
    spriteStyle: pick(c.spriteStyle, SPRITE_STYLES, DEFAULTS.spriteStyle),
    spriteSize: pick(c.spriteSize, SPRITE_SIZES, DEFAULTS.spriteSize),
    tiers,
  };
}

/** plugin.json's `config` schema. */
export const configSchema: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    language: { enum: ['auto', ...LANGUAGES], default: DEFAULTS.language, description: 'Language of the answers: auto follows the input (Korean when it has Hangul, else English)' },
    defaultPlatforms: {
      type: 'array',
      items: { enum: [...PLATFORMS] },
      minItems: 1,
      maxItems: PLATFORMS.length,
      uniqueItems: true,
      default: DEFAULTS.defaultPlatforms,
      description: 'Platforms a concept targets when the request names none',
    },
    maxAssets: { type: 'integer', minimum: 1, maximum: 40, default: DEFAULTS.maxAssets, description: 'Most assets an asset analysis lists' },
    maxSprites: { type: 'integer', minimum: 1, maximum: 16, default: DEFAULTS.maxSprites, description: 'Most images one sprite-generation call or asset-creation run draws (each is an image model call)' },
    spriteStyle: { enum: [...SPRITE_STYLES], default: DEFAULTS.spriteStyle, description: 'canvas style for sprites when the request names none' },
    spriteSize: { enum: [...SPRITE_SIZES], default: DEFAULTS.spriteSize, description: 'canvas image size for sprites when the request names none' },
    tiers: {
      type: 'object',
      additionalProperties: false,
      description: 'Model tier per phase (never above the granted maxTier)',
      properties: Object.fromEntries(PHASES.map((phase) => [phase, { enum: [...TIERS], default: DEFAULT_TIERS[phase] }])),
      default: { ...DEFAULT_TIERS },
    },
    modelStrategy: { enum: ['cost-first', 'quality-first', 'balanced'], description: 'The host\'s routing strategy for this plugin\'s model calls (default: the host\'s)' },
  },
};
