/**
 * The admin-set configuration (plugin.json `config`), read with the schema's defaults as
 * fallbacks: a host validates the config against the schema but does not fill in its
 * defaults, and hands `{}` when the admin saved none. With no config, every call behaves as
 * canvas did before it had one.
 *
 * There is no image quality setting: `quality: 'premium'` counts as tier premium, above the
 * `maxTier` standard canvas asks for, so the host would refuse it (PERMISSION_DENIED).
 */
import { PluginError } from '@easel/sdk';
import { DEFAULT_SIZE, DEFAULT_STYLE, SIZES, STYLES, type Size, type Style } from './prompts.ts';

/** The tiers the translation may ask for: the manifest's maxTier is standard. */
export const TRANSLATION_TIERS = ['basic', 'standard'] as const;
export type TranslationTier = (typeof TRANSLATION_TIERS)[number];

/** How many images a call draws when its input has no `count`. */
export const DEFAULT_COUNT = 1;
/** The input schemas' `count` maximum, and the largest `maxImages`. */
export const MAX_IMAGES = 4;

/** The config as the admin saved it: every field optional. */
export interface CanvasConfig {
  defaultStyle?: Style;
  defaultSize?: Size;
  translationTier?: TranslationTier;
  maxImages?: number;
}

/** The settings in force. */
export interface Settings {
  /** The style when an input names none. */
  defaultStyle: Style;
  /** The size when an input names none. */
  defaultSize: Size;
  /** The lowest tier of the keyword translation call. */
  translationTier: TranslationTier;
  /** The most images one call may ask for (`count`). */
  maxImages: number;
}

export const DEFAULTS: Readonly<Settings> = Object.freeze({
  defaultStyle: DEFAULT_STYLE,
  defaultSize: DEFAULT_SIZE,
  translationTier: 'basic',
  maxImages: MAX_IMAGES,
});

const oneOf = <T extends string>(allowed: readonly T[], value: unknown, fallback: T): T =>
  typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;

/**
 * The settings in force: each config value when it is valid, else its default. Takes
 * `ctx.config`; undefined (an estimate called without a ctx) gives the defaults.
 */
export function settingsOf(config: Readonly<CanvasConfig> | Readonly<Record<string, unknown>> | undefined): Settings {
  const c = (config ?? {}) as Readonly<Record<string, unknown>>;
  const max = c.maxImages;
  return {
    defaultStyle: oneOf(STYLES, c.defaultStyle, DEFAULTS.defaultStyle),
    defaultSize: oneOf(SIZES, c.defaultSize, DEFAULTS.defaultSize),
    translationTier: oneOf(TRANSLATION_TIERS, c.translationTier, DEFAULTS.translationTier),
    maxImages: typeof max === 'number' && Number.isInteger(max) && max >= 1 && max <= MAX_IMAGES ? max : DEFAULTS.maxImages,
  };
}

/** The number of images to draw: the input's `count` (default 1), refused (REQUEST_REJECTED) above `maxImages`. */
export function imageCount(count: number | undefined, settings: Settings): number {
  const n = count ?? DEFAULT_COUNT;
  if (n > settings.maxImages) {
    throw new PluginError('REQUEST_REJECTED', `count ${n} is over the limit of ${settings.maxImages} image${settings.maxImages === 1 ? '' : 's'} per call (the maxImages setting)`);
  }
  return n;
}
