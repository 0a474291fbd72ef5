/**
 * The admin-set configuration (plugin.json `config`), read with the schema's defaults as
 * fallbacks: a host hands over what the admin saved, without filling in defaults.
 */
import type { LanguageSetting } from './language.ts';

export const STYLES = ['cartoon', 'realistic', 'meme', 'illustration'] as const;
export type Style = (typeof STYLES)[number];

export const CATEGORIES = ['general', 'study', 'humor', 'question'] as const;
export type Category = (typeof CATEGORIES)[number];

export const IMAGE_SIZES = ['512x512', '768x768', '1024x1024', '1152x640', '640x1152'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number];

/** The tiers this plugin may ask for: the manifest's maxTier is standard. */
export type Tier = 'basic' | 'standard';

export interface Tiers {
  /** Drafting a post. */
  draft: Tier;
  /** Grammar, tone and length edits. */
  enhance: Tier;
  /** Hashtag suggestions: small and mechanical. */
  hashtags: Tier;
  /** Choosing images from their descriptions. */
  select: Tier;
}

export interface Config {
  defaultStyle?: Style;
  defaultImageCount?: number;
  defaultTargetAudience?: string;
  language?: LanguageSetting;
  imageSize?: ImageSize;
  tiers?: Partial<Tiers>;
}

export interface Settings {
  defaultStyle: Style;
  defaultImageCount: number;
  defaultTargetAudience: string;
  language: LanguageSetting;
  imageSize: ImageSize;
  tiers: Tiers;
}

export const DEFAULTS: Readonly<Settings> = Object.freeze({
  defaultStyle: 'illustration',
  defaultImageCount: 2,
  defaultTargetAudience: '',
  language: 'auto',
  imageSize: '1024x1024',
  tiers: Object.freeze({ draft: 'standard', enhance: 'standard', hashtags: 'basic', select: 'basic' }),
});

const oneOf = <T extends string>(allowed: readonly T[], value: unknown, fallback: T): T =>
  typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;

const TIERS = ['basic', 'standard'] as const;

/** The settings in force: each config value when it is valid, else its default. */
export function settingsOf(config: Readonly<Config> | undefined): Settings {
  const c = config ?? {};
  const count = c.defaultImageCount;
  const tiers = c.tiers ?? {};
  return {
    defaultStyle: oneOf(STYLES, c.defaultStyle, DEFAULTS.defaultStyle),
    defaultImageCount: Number.isInteger(count) && count! >= 1 && count! <= 4 ? count! : DEFAULTS.defaultImageCount,
    defaultTargetAudience: typeof c.defaultTargetAudience === 'string' ? c.defaultTargetAudience.slice(0, 200) : DEFAULTS.defaultTargetAudience,
    language: oneOf(['auto', 'ko', 'en'] as const, c.language, DEFAULTS.language),
    imageSize: oneOf(IMAGE_SIZES, c.imageSize, DEFAULTS.imageSize),
    tiers: {
      draft: oneOf(TIERS, tiers.draft, DEFAULTS.tiers.draft),
      enhance: oneOf(TIERS, tiers.enhance, DEFAULTS.tiers.enhance),
      hashtags: oneOf(TIERS, tiers.hashtags, DEFAULTS.tiers.hashtags),
      select: oneOf(TIERS, tiers.select, DEFAULTS.tiers.select),
    },
  };
}
