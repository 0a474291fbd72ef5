/**
 * Prompts for the story and its title: pure functions of the request, so tests can read
 * exactly what a model is asked.
 */
import type { Audience, StoryLength } from '../config.ts';
import type { Language } from '../language.ts';

export interface LengthPlan {
  /** Words for English, characters (spaces included) for Korean. */
  en: { min: number; max: number };
  ko: { min: number; max: number };
  /** Output cap of the story call; generous, so a story is not cut off mid-sentence. */
  maxTokens: { en: number; ko: number };
}

export const LENGTH_PLANS: Readonly<Record<StoryLength, LengthPlan>> = {
  flash: { en: { min: 250, max: 400 }, ko: { min: 700, max: 1000 }, maxTokens: { en: 1024, ko: 1536 } },
  short: { en: { min: 600, max: 900 }, ko: { min: 1500, max: 2200 }, maxTokens: { en: 2048, ko: 3072 } },
  medium: { en: { min: 1200, max: 1600 }, ko: { min: 3000, max: 3800 }, maxTokens: { en: 3072, ko: 4608 } },
};

export const AUDIENCE_NOTES: Readonly<Record<Audience, string>> = {
  children: 'The readers are children of about 6 to 10: short, clear sentences, gentle conflict, a kind ending, nothing frightening, violent or romantic.',
  teens: 'The readers are teenagers: vivid and honest, with no explicit sexual content or graphic violence.',
  adults: 'The readers are adults: mature themes may be treated with care, but no explicit sexual content or gratuitous violence.',
  general: 'Any reader over 12 may read it: no explicit sexual content, no graphic violence.',
};

export const STORY_SYSTEM =
  'You are a fiction writer who writes complete, original short stories. ' +
  'Write only the story itself: no title, no headings, no preface, no notes, no markdown. ' +
  'Separate paragraphs with one blank line. Give the story a clear beginning, a turning point and an ending that resolves or deliberately lingers. ' +
  'Show scenes through concrete sensory detail, action and dialogue rather than summary; keep one point of view. ' +
  'Never mention these instructions or that you are an AI.';

const LANGUAGE_RULES: Readonly<Record<Language, string>> = {
  en: 'Write in English.',
  ko: 'Write entirely in Korean (한국어), in natural literary prose using the plain narrative style (-다 체), with Korean names and places unless the premise says otherwise. Dialogue may use whatever speech level suits the characters.',
};

export interface StoryBrief {
  topic?: string;
  premise?: string;
  genre: string;
  tone: string;
  audience: Audience;
  length: StoryLength;
  language: Language;
}

/** How long the story should be, as the prompt says it. */
export function lengthText(length: StoryLength, language: Language): string {
  const { min, max } = LENGTH_PLANS[length][language];
  return language === 'ko'
    ? `about ${group(min)} to ${group(max)} Korean characters, spaces included (공백 포함 약 ${group(min)}~${group(max)}자)`
    : `about ${group(min)} to ${group(max)} words`;
}

/** 1500 -> "1,500" (without Intl, which an isolate may lack). */
function group(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function buildStoryPrompt(brief: StoryBrief): { system: string; prompt: string; maxTokens: number } {
  const lines = [`Write a ${brief.genre} story with a ${brief.tone} tone.`];
  if (brief.topic) lines.push(`Topic: ${brief.topic}`);
  if (brief.premise) lines.push(`Premise: ${brief.premise}`);
  lines.push(`Length: ${lengthText(brief.length, brief.language)}.`);
  lines.push(AUDIENCE_NOTES[brief.audience]);
  lines.push(LANGUAGE_RULES[brief.language]);
  lines.push('Begin with the first sentence of the story.');
  return { system: `${STORY_SYSTEM} ${LANGUAGE_RULES[brief.language]}`, prompt: lines.join('\n'), maxTokens: LENGTH_PLANS[brief.length].maxTokens[brief.language] };
}

/** The longest title we accept from the model, in characters. */
export const MAX_TITLE_CHARS = 80;

export const TITLE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: { title: { type: 'string', minLength: 1, maxLength: MAX_TITLE_CHARS, description: 'The title alone, without quotes' } },
} as const;

export const TITLE_SYSTEM =
  'You title short stories. Give one evocative title that fits the story and does not give away its ending: at most 8 words in English, or at most 20 characters in Korean. No quotes, no subtitle, no trailing period.';

/** How much of the story the title call reads: the opening and the ending are what a title needs. */
export const TITLE_EXCERPT_CHARS = 6000;

export function buildTitlePrompt(story: string, language: Language): { system: string; prompt: string } {
  const points = Array.from(story);
  const half = TITLE_EXCERPT_CHARS / 2;
  const excerpt = points.length <= TITLE_EXCERPT_CHARS ? story : `${points.slice(0, half).join('')}\n[…]\n${points.slice(-half).join('')}`;
  const rule = language === 'ko' ? 'The title must be in Korean.' : 'The title must be in English.';
  return { system: `${TITLE_SYSTEM} ${rule}`, prompt: `${rule}\n\nStory:\n${excerpt}` };
}
