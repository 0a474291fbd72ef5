/** Prompts for the post bodies and the hashtags: pure functions of the request. */
import type { Language } from '../language.ts';
import type { PlatformRule } from '../platforms.ts';
import { unitsPerChar } from '../post-length.ts';

export const POST_SYSTEM =
  'You write social media posts that make people want to read or watch a story. ' +
  'Answer with the post text only: no quotes around it, no preface such as "Here is", no notes, no markdown headings. ' +
  'Do not write hashtags or links: they are added after your text. Never invent facts about real people or events, and do not spoil the ending.';

const LANGUAGE_RULES: Readonly<Record<Language, string>> = {
  en: 'Write the post in English.',
  ko: 'Write the post in Korean (한국어), in the natural register Korean users of this platform use.',
};

export interface PostBrief {
  rule: PlatformRule;
  source: string;
  sourceKind: 'story' | 'brief';
  title?: string;
  tone?: string;
  language: Language;
  /** Room the appended hashtags and link will take, in the platform's units. */
  reserved: number;
}

/**
 * How many characters to ask for: the platform's target, never more than what fits beside
 * the reserved tail, converted to characters of the language (a Hangul syllable is 2 units
 * on X and 3 bytes on YouTube).
 */
export function charBudget(rule: PlatformRule, language: Language, reserved: number): number {
  const units = Math.max(40, Math.min(rule.target, rule.limit - reserved));
  return Math.floor(units / unitsPerChar(rule.counting, language === 'ko'));
}

/** The most of the source a post prompt includes, in characters: a post needs the gist, not every line. */
export const POST_SOURCE_CHARS = 6000;

export function buildPostPrompt(brief: PostBrief): { system: string; prompt: string; maxTokens: number } {
  const chars = charBudget(brief.rule, brief.language, brief.reserved);
  const source = Array.from(brief.source).slice(0, POST_SOURCE_CHARS).join('');
  const lines = [
    `Platform: ${brief.rule.name}.`,
    brief.rule.style,
    `Length: at most ${chars} characters, spaces and line breaks included.`,
  ];
  if (brief.tone) lines.push(`Tone: ${brief.tone}.`);
  lines.push(LANGUAGE_RULES[brief.language]);
  if (brief.title) lines.push(`Title: ${brief.title}`);
  lines.push('', brief.sourceKind === 'story' ? 'The story:' : 'The brief:', source);
  // Korean takes about one token per character; English about a quarter. Room to spare, but bounded.
  const maxTokens = Math.min(4096, 64 + Math.ceil(chars * (brief.language === 'ko' ? 1.5 : 0.5)));
  return { system: `${POST_SYSTEM} ${LANGUAGE_RULES[brief.language]}`, prompt: lines.join('\n'), maxTokens };
}

export const MAX_SUGGESTED_HASHTAGS = 15;

export const HASHTAG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['hashtags'],
  properties: {
    hashtags: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_SUGGESTED_HASHTAGS,
      items: { type: 'string', minLength: 1, maxLength: 50 },
      description: 'Most relevant first, without #',
    },
  },
} as const;

export const HASHTAG_SYSTEM =
  'You suggest hashtags for social media posts about a story. ' +
  'Each hashtag is one word or words joined without spaces (CamelCase in English), made of letters, digits and underscores only: no spaces, no punctuation, no # sign. ' +
  'Mix specific tags (the story\'s subject, genre, mood) with one or two broad ones; no tags made only of digits; most relevant first.';

const HASHTAG_LANGUAGE: Readonly<Record<Language, string>> = {
  en: 'Write the hashtags in English.',
  ko: 'Write the hashtags mostly in Korean (for example 단편소설, 감성글), adding one or two widely used English ones.',
};

export function buildHashtagPrompt(summary: string, title: string | undefined, language: Language, count: number): { system: string; prompt: string } {
  const lines = [`Suggest ${count} hashtags.`, HASHTAG_LANGUAGE[language]];
  if (title) lines.push(`Title: ${title}`);
  lines.push('', Array.from(summary).slice(0, 1500).join(''));
  return { system: `${HASHTAG_SYSTEM} ${HASHTAG_LANGUAGE[language]}`, prompt: lines.join('\n') };
}
