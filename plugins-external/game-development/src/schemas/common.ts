/**
 * Small builders for the JSON Schemas (draft 2020-12) this plugin uses twice: as the shapes it
 * asks the model for (`ctx.models.structured`) and, through scripts/write-manifest.ts, as the
 * input and output schemas in plugin.json. One definition, so the two never drift.
 */

export type Schema = Record<string, unknown>;

export const LANGUAGES = ['ko', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export const PLATFORMS = ['web', 'pc', 'mobile', 'console', 'vr'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const MULTIPLAYER_MODES = ['none', 'local', 'online-coop', 'online-pvp', 'mmo'] as const;
export type MultiplayerMode = (typeof MULTIPLAYER_MODES)[number];

export const TIERS = ['basic', 'standard', 'premium'] as const;
export type Tier = (typeof TIERS)[number];

export const PRIORITIES = ['high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The styles and sizes canvas/image-generator takes (canvas 1.1). */
export const SPRITE_STYLES = ['cartoon', 'realistic', 'meme', 'illustration'] as const;
export type SpriteStyle = (typeof SPRITE_STYLES)[number];
export const SPRITE_SIZES = ['512x512', '768x768', '1024x1024', '1152x640', '640x1152'] as const;
export type SpriteSize = (typeof SPRITE_SIZES)[number];

/** A string of 1 to `maxLength` characters. */
export function str(maxLength: number, description?: string): Schema {
  return { type: 'string', minLength: 1, maxLength, ...(description ? { description } : {}) };
}

/** An input string that must hold something visible (apps send these; models never see the pattern). */
export function text(maxLength: number, description?: string): Schema {
  return { ...str(maxLength, description), pattern: '\\S' };
}

export function int(minimum: number, maximum: number, description?: string): Schema {
  return { type: 'integer', minimum, maximum, ...(description ? { description } : {}) };
}

export function list(items: Schema, minItems: number, maxItems: number, description?: string): Schema {
  return { type: 'array', minItems, maxItems, items, ...(description ? { description } : {}) };
}

export function strList(minItems: number, maxItems: number, maxLength: number, description?: string): Schema {
  return list(str(maxLength), minItems, maxItems, description);
}

export function oneOf(values: readonly string[], description?: string): Schema {
  return { enum: [...values], ...(description ? { description } : {}) };
}

/** A closed object; every property required unless `required` names fewer. */
export function obj(properties: Record<string, Schema>, required: string[] = Object.keys(properties), description?: string): Schema {
  return { type: 'object', properties, required, additionalProperties: false, ...(description ? { description } : {}) };
}

/** The optional `language` input field every capability takes. */
export const languageInput: Schema = oneOf(LANGUAGES, 'Language of the answer. Default: the plugin config\'s language, else Korean when the text has Hangul, else English');

/** What every model-backed output reports, so a workflow can total its steps. */
export const usageProps: Record<string, Schema> = {
  model: { type: 'string', maxLength: 200, description: 'The catalog id of the model that answered' },
  cost: { type: 'number', minimum: 0, description: 'USD the model call cost (0 when served from cache)' },
};
