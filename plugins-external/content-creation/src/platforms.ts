/**
 * The social platforms a post can be written for, and each one's rules: how long a post may
 * be (in the platform's own unit), how many hashtags, where they go and what they may
 * contain. Each row says where its figures come from. Where a platform documents no hashtag
 * cap, the cap is our editorial choice and says so.
 */
import type { Counting } from './post-length.ts';

export const PLATFORM_IDS = ['x', 'instagram', 'facebook', 'linkedin', 'threads', 'tiktok', 'youtube-shorts'] as const;
export type PlatformId = (typeof PLATFORM_IDS)[number];

/** What the input may name: the ids, plus `twitter` for X. */
export const PLATFORM_ALIASES: Readonly<Record<string, PlatformId>> = { twitter: 'x' };

export interface HashtagRule {
  /** The most hashtags a post may carry, those the writer put in the text included. */
  max: number;
  /** How many generated hashtags we append when there is room (at most `max`). */
  suggested: number;
  /** `end`: after the text on the same line; `end-block`: in a paragraph of their own. */
  placement: 'end' | 'end-block';
  /** Longest hashtag kept, in characters, without the `#`. */
  maxChars: number;
  /** The characters a tag may hold (tested one character at a time); anything else is removed from a suggested tag. */
  allowed: RegExp;
}

export interface PlatformRule {
  id: PlatformId;
  name: string;
  /** The longest post, in `counting` units. */
  limit: number;
  counting: Counting;
  /** The unit `limit` is in, as people say it. */
  unit: string;
  hashtags: HashtagRule;
  /** False where links in a post are not clickable: we leave the input's link out. */
  allowsLinks: boolean;
  /** Characters the platform refuses in a post, if any (each one a character of this string). */
  forbidden?: string;
  /** How long a body we ask the writer for, in `counting` units (well under `limit`). */
  target: number;
  /** What a good post on this platform looks like, for the writer's prompt. */
  style: string;
  /** Where `limit` and the hashtag rules come from. */
  source: string;
}

/**
 * A hashtag character: a letter (any script, Hangul included), a combining mark, a digit or
 * an underscore: what X (twitter-text's hashtag rules), Instagram, Facebook, LinkedIn, TikTok
 * and YouTube link as part of a tag. Spaces and punctuation end a tag, and a tag of digits
 * only is not linked (X, Instagram). Threads topic tags may hold more (spaces among them);
 * we keep to what every platform links, so a tag reads the same everywhere.
 */
export const HASHTAG_CHAR = /^[\p{L}\p{M}\p{N}_]$/u;

export const PLATFORMS: Readonly<Record<PlatformId, PlatformRule>> = {
  x: {
    id: 'x',
    name: 'X',
    // X developer docs, "Counting characters" (twitter-text config v3): 280 weighted
    // characters; every URL counts as 23 (t.co); code points outside Latin-1..Georgian and a
    // few punctuation ranges (so Hangul, CJK, most emoji) weigh 2. Hashtags: X Help Center,
    // "How to use hashtags", recommends no more than 2 per post.
    limit: 280,
    counting: 'x-weighted',
    unit: 'weighted characters',
    hashtags: { max: 2, suggested: 2, placement: 'end', maxChars: 30, allowed: HASHTAG_CHAR },
    allowsLinks: true,
    target: 200,
    style: 'One punchy post whose first words hook the reader; no thread numbering, no "1/".',
    source: 'X developer docs, Counting characters (twitter-text v3); X Help Center, How to use hashtags',
  },
  instagram: {
    id: 'instagram',
    name: 'Instagram',
    // Instagram Help Center: a caption holds up to 2,200 characters and up to 30 hashtags.
    // We append 5: Instagram's own creator guidance recommends 3 to 5.
    limit: 2200,
    counting: 'utf16',
    unit: 'characters',
    hashtags: { max: 30, suggested: 5, placement: 'end-block', maxChars: 30, allowed: HASHTAG_CHAR },
    allowsLinks: false, // links in captions are not clickable
    target: 900,
    style: 'A caption: a strong first line (only it shows before "more"), then two to four short paragraphs; a few emoji at most; end by inviting people to watch or read.',
    source: 'Instagram Help Center (captions: 2,200 characters, 30 hashtags)',
  },
  facebook: {
    id: 'facebook',
    name: 'Facebook',
    // 63,206 characters: the longest post Facebook's composer takes (Meta documents no other
    // figure). No hashtag cap is documented; 3 is our editorial cap.
    limit: 63206,
    counting: 'utf16',
    unit: 'characters',
    hashtags: { max: 3, suggested: 3, placement: 'end-block', maxChars: 30, allowed: HASHTAG_CHAR },
    allowsLinks: true,
    target: 500,
    style: 'A friendly, conversational post of a few short paragraphs that invites comments.',
    source: 'Facebook composer limit (63,206 characters); hashtag cap editorial',
  },
  linkedin: {
    id: 'linkedin',
    name: 'LinkedIn',
    // LinkedIn Help: a post holds up to 3,000 characters. LinkedIn documents no hard hashtag
    // cap and has suggested about three; 3 is our cap.
    limit: 3000,
    counting: 'utf16',
    unit: 'characters',
    hashtags: { max: 3, suggested: 3, placement: 'end-block', maxChars: 30, allowed: HASHTAG_CHAR },
    allowsLinks: true,
    target: 1000,
    style: 'A professional but human post: the insight or lesson the story suggests, in short paragraphs, ending with a question that invites discussion.',
    source: 'LinkedIn Help (posts: 3,000 characters); hashtag cap editorial',
  },
  threads: {
    id: 'threads',
    name: 'Threads',
    // Threads Help Center: a post holds up to 500 characters and one topic tag.
    limit: 500,
    counting: 'utf16',
    unit: 'characters',
    hashtags: { max: 1, suggested: 1, placement: 'end', maxChars: 50, allowed: HASHTAG_CHAR },
    allowsLinks: true,
    target: 380,
    style: 'A casual, conversational post, as if talking to friends.',
    source: 'Threads Help Center (500 characters, one topic tag per post)',
  },
  tiktok: {
    id: 'tiktok',
    name: 'TikTok',
    // TikTok: captions hold up to 4,000 characters (raised from 2,200 in 2023), hashtags
    // included. No hashtag cap is documented; 5 is our editorial cap.
    limit: 4000,
    counting: 'utf16',
    unit: 'characters',
    hashtags: { max: 5, suggested: 4, placement: 'end', maxChars: 30, allowed: HASHTAG_CHAR },
    allowsLinks: false, // links in captions are not clickable
    target: 300,
    style: 'A short caption for a video: a hook in the first few words, plain everyday language.',
    source: 'TikTok caption limit (4,000 characters); hashtag cap editorial',
  },
  'youtube-shorts': {
    id: 'youtube-shorts',
    name: 'YouTube Shorts',
    // YouTube Data API, videos resource: snippet.description is at most 5,000 bytes (UTF-8)
    // and may not contain < or >. YouTube Help, hashtag policies: the first three hashtags
    // show above the title (more than 60 and all are ignored); we keep 3.
    limit: 5000,
    counting: 'utf8-bytes',
    unit: 'bytes (UTF-8)',
    hashtags: { max: 3, suggested: 3, placement: 'end-block', maxChars: 30, allowed: HASHTAG_CHAR },
    allowsLinks: true,
    forbidden: '<>',
    target: 1000,
    style: 'A Shorts description: a first line that says what the video is (it shows in search), then one or two sentences of context.',
    source: 'YouTube Data API (description: 5,000 bytes, no < or >); YouTube Help, hashtag policies',
  },
};

export function isPlatformId(value: unknown): value is PlatformId {
  return typeof value === 'string' && (PLATFORM_IDS as readonly string[]).includes(value);
}

/** Platform names from the input as ids (`twitter` is `x`), unknown ones dropped, repeats dropped, order kept. */
export function normalizePlatforms(names: readonly string[]): PlatformId[] {
  const out: PlatformId[] = [];
  for (const name of names) {
    const id = PLATFORM_ALIASES[name.toLowerCase()] ?? name.toLowerCase();
    if (isPlatformId(id) && !out.includes(id)) out.push(id);
  }
  return out;
}
