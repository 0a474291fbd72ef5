/**
 * The admin-set configuration (`ctx.config`, checked by the host against plugin.json's
 * `config` schema) with every field falling back to its default: a host does not fill in a
 * schema's defaults, so each one is restated here, and a test keeps the two in step.
 */
import type { ModelTier } from '@easel/sdk';
import type { LanguageChoice } from './language.ts';
import { isPlatformId, type PlatformId } from './platforms.ts';

export const STORY_LENGTHS = ['flash', 'short', 'medium'] as const;
export type StoryLength = (typeof STORY_LENGTHS)[number];

export const AUDIENCES = ['children', 'teens', 'adults', 'general'] as const;
export type Audience = (typeof AUDIENCES)[number];

export const VIDEO_FORMAT_IDS = ['shorts', 'standard'] as const;
export type VideoFormatId = (typeof VIDEO_FORMAT_IDS)[number];

export type OverLimit = 'shorten' | 'refuse';

/** The tier of each kind of model call. The manifest asks for `maxTier: standard`, so no tier here goes above it. */
export interface Tiers {
  story: ModelTier;
  title: ModelTier;
  videoScript: ModelTier;
  posts: ModelTier;
  hashtags: ModelTier;
}

export interface Settings {
  language: LanguageChoice;
  genre: string;
  tone: string;
  audience: Audience;
  storyLength: StoryLength;
  streamStory: boolean;
  videoFormat: VideoFormatId;
  platforms: PlatformId[];
  overLimit: OverLimit;
  tiers: Tiers;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze<Settings>({
  language: 'auto',
  genre: 'literary fiction',
  tone: 'warm',
  audience: 'general',
  storyLength: 'short',
  streamStory: true,
  videoFormat: 'shorts',
  platforms: ['x', 'instagram', 'threads', 'youtube-shorts'],
  overLimit: 'shorten',
  // Creative writing (the story, the scene plan, the post bodies) at standard; mechanical jobs
  // (a title, hashtags) at basic. Premium is not used: short-form prose does not need it, and
  // the standard tier's models write both languages well.
  tiers: { story: 'standard', title: 'basic', videoScript: 'standard', posts: 'standard', hashtags: 'basic' },
});

// The manifest's maxTier is standard: a premium tier would only be refused by the host.
const TIERS: readonly ModelTier[] = ['basic', 'standard'];

const oneOf = <T extends string>(value: unknown, allowed: readonly T[], fallback: T): T =>
  typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;

const words = (value: unknown, fallback: string): string => (typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback);

/** The settings from `ctx.config`, each missing or malformed field replaced by its default. */
export function settingsOf(config: Readonly<Record<string, unknown>> | undefined): Settings {
  const c = config ?? {};
  const d = DEFAULT_SETTINGS;
  const tiers = (typeof c.tiers === 'object' && c.tiers !== null ? c.tiers : {}) as Record<string, unknown>;
  const platforms = Array.isArray(c.platforms) ? c.platforms.filter(isPlatformId) : [];
  return {
    language: oneOf(c.language, ['auto', 'ko', 'en'], d.language),
    genre: words(c.genre, d.genre),
    tone: words(c.tone, d.tone),
    audience: oneOf(c.audience, AUDIENCES, d.audience),
    storyLength: oneOf(c.storyLength, STORY_LENGTHS, d.storyLength),
    streamStory: typeof c.streamStory === 'boolean' ? c.streamStory : d.streamStory,
    videoFormat: oneOf(c.videoFormat, VIDEO_FORMAT_IDS, d.videoFormat),
    platforms: platforms.length > 0 ? [...new Set(platforms)] : [...d.platforms],
    overLimit: oneOf(c.overLimit, ['shorten', 'refuse'], d.overLimit),
    tiers: {
      story: oneOf(tiers.story, TIERS, d.tiers.story),
      title: oneOf(tiers.title, TIERS, d.tiers.title),
      videoScript: oneOf(tiers.videoScript, TIERS, d.tiers.videoScript),
      posts: oneOf(tiers.posts, TIERS, d.tiers.posts),
      hashtags: oneOf(tiers.hashtags, TIERS, d.tiers.hashtags),
    },
  };
}
