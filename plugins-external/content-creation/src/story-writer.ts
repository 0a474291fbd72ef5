/**
 * story-writer.write: a story from a topic or premise, streamed as the model writes it (each
 * delta is a `model.delta` event on the execution's stream), then titled by a small
 * structured call.
 */
import { PluginError, type Context, type ModelTier } from '@easel/sdk';
import { settingsOf, type Audience, type StoryLength } from './config.ts';
import { resolveLanguage, type Language, type LanguageChoice } from './language.ts';
import { buildStoryPrompt, buildTitlePrompt, MAX_TITLE_CHARS, TITLE_SCHEMA } from './prompts/story.ts';
import { capText, charCount, cleanLine, cleanProse, errorCode, errorMessage, usd, wordCount } from './text.ts';

export interface StoryInput {
  topic?: string;
  premise?: string;
  genre?: string;
  tone?: string;
  audience?: Audience;
  length?: StoryLength;
  language?: LanguageChoice;
}

export interface StoryOutput {
  title: string;
  story: string;
  language: Language;
  genre: string;
  tone: string;
  audience: Audience;
  length: StoryLength;
  wordCount: number;
  charCount: number;
  /** Whether the story was streamed (config `streamStory`). */
  streamed: boolean;
  /** The model that wrote the story; null when it was streamed (plugin code is not told a stream's model). */
  model: string | null;
  /** The model that titled it; null when the title was made without one. */
  titleModel: string | null;
  /** USD of the calls whose cost plugin code sees. */
  cost: number;
  /** False when a streamed call's cost is missing from `cost` (the host still bills and records it). */
  costComplete: boolean;
}

/** The longest story kept, in UTF-16 units; a stream that goes past it is closed. */
export const MAX_STORY_CHARS = 40_000;

const TEMPERATURE = 0.9;

export async function writeStory(input: StoryInput, ctx: Context): Promise<StoryOutput> {
  const settings = settingsOf(ctx.config);
  const topic = cleanLine(input.topic ?? '');
  const premise = cleanProse(input.premise ?? '');
  if (topic === '' && premise === '') throw new PluginError('REQUEST_REJECTED', 'give a topic or a premise with some visible text');

  const language = resolveLanguage(input.language, settings.language, topic, premise);
  const brief = {
    ...(topic !== '' ? { topic } : {}),
    ...(premise !== '' ? { premise } : {}),
    genre: cleanLine(input.genre ?? '') || settings.genre,
    tone: cleanLine(input.tone ?? '') || settings.tone,
    audience: input.audience ?? settings.audience,
    length: input.length ?? settings.storyLength,
    language,
  };
  const { system, prompt, maxTokens } = buildStoryPrompt(brief);
  const request = { system, prompt, maxTokens, temperature: TEMPERATURE, tier: settings.tiers.story };
  await ctx.progress('writing the story', { language, length: brief.length, streamed: settings.streamStory });

  let raw: string;
  let model: string | null = null;
  let cost = 0;
  if (settings.streamStory) {
    raw = await readStream(ctx, request);
  } else {
    const answer = await ctx.models.text(request);
    raw = answer.text;
    model = answer.model;
    cost += answer.cost;
  }
  ctx.signal.throwIfAborted();
  const story = tidyStory(raw);
  if (story === '') throw new Error('the model wrote no story');

  const titled = await titleFor(story, language, topic || premise, ctx, settings.tiers.title);
  cost += titled.cost;
  const out: StoryOutput = {
    title: titled.title,
    story,
    language,
    genre: brief.genre,
    tone: brief.tone,
    audience: brief.audience,
    length: brief.length,
    wordCount: wordCount(story),
    charCount: charCount(story),
    streamed: settings.streamStory,
    model,
    titleModel: titled.model,
    cost: usd(cost),
    costComplete: !settings.streamStory,
  };
  await ctx.progress('story written', { title: out.title, wordCount: out.wordCount, charCount: out.charCount });
  return out;
}

/** Reads a streamed story to its end (or to MAX_STORY_CHARS, when the loop's exit closes the stream). */
async function readStream(ctx: Context, request: Parameters<Context['models']['streamText']>[0]): Promise<string> {
  const parts: string[] = [];
  let size = 0;
  for await (const delta of ctx.models.streamText(request)) {
    ctx.signal.throwIfAborted();
    parts.push(delta);
    size += delta.length;
    if (size >= MAX_STORY_CHARS) {
      ctx.log.warn('the story reached the length cap; closing the stream', { chars: size });
      break;
    }
  }
  return parts.join('');
}

/**
 * The story as apps show it: clean prose, cut at MAX_STORY_CHARS, without a title line the
 * model may have put first despite the prompt (a markdown heading, `Title:`, `제목:`).
 */
export function tidyStory(raw: string): string {
  let text = cleanProse(raw);
  const firstBreak = text.indexOf('\n');
  const first = firstBreak < 0 ? text : text.slice(0, firstBreak);
  if (firstBreak > 0 && /^(#{1,6}\s|\*\*[^*]+\*\*$|(title|제목)\s*[:：])/iu.test(first)) text = text.slice(firstBreak + 1).trim();
  return Array.from(text).length > MAX_STORY_CHARS ? capText(text, MAX_STORY_CHARS) : text;
}

/**
 * A title from a basic, structured call. If that call fails (any reason but a cancel), the
 * story is still worth returning: the title is then made from the topic or premise, and a
 * warning is logged.
 */
async function titleFor(story: string, language: Language, fallbackFrom: string, ctx: Context, tier: ModelTier) {
  try {
    const { system, prompt } = buildTitlePrompt(story, language);
    const answer = await ctx.models.structured<{ title: string }>({ system, prompt, schema: TITLE_SCHEMA, tier, latency: 'fast', maxTokens: 100, temperature: 0.5 });
    const title = cleanTitle(answer.value.title);
    if (title !== '') return { title, model: answer.model, cost: answer.cost };
    ctx.log.warn('the title call answered a blank title; using the topic', { model: answer.model });
    return { title: fallbackTitle(fallbackFrom), model: null, cost: answer.cost };
  } catch (err) {
    ctx.signal.throwIfAborted();
    ctx.log.warn('the title call failed; using the topic', { code: errorCode(err), message: errorMessage(err) });
    return { title: fallbackTitle(fallbackFrom), model: null, cost: 0 };
  }
}

/** One line, without wrapping quotes or a final period. */
export function cleanTitle(raw: string): string {
  const line = cleanLine(raw)
    .replace(/^["'“”‘’「」『』《》]+|["'“”‘’「」『』《》]+$/gu, '')
    .replace(/[.。]+$/u, '')
    .trim();
  return capText(line, MAX_TITLE_CHARS);
}

/** A title made from the user's own words: the first line, up to 60 characters. */
export function fallbackTitle(from: string): string {
  return capText(cleanTitle(from.split('\n')[0] ?? from), 60);
}
