/**
 * The content-generator agent: `draft` writes a post from a title and notes, `enhance` edits
 * one (grammar, tone, length) or suggests hashtags. Structured model calls only: the host
 * checks each answer against the schema, nothing is parsed out of prose.
 *
 * The schemas have no "refused" answer and ask for a non-empty title and body, so every answer
 * that fits them is used. A model that will not write something declines through its
 * provider; the router reports that as a failed call with its own code, passed on unchanged.
 */
import { PluginError, type Context } from '@easel/sdk';
import { settingsOf, type Category, type Config } from './config.ts';
import { languageOf, type Language } from './language.ts';
import {
  DRAFT_SCHEMA,
  draftPrompt,
  EDIT_SCHEMA,
  enhancePrompt,
  HASHTAGS_SCHEMA,
  MAX_CHANGE_CHARS,
  MAX_CHANGES,
  MAX_CONTENT_CHARS,
  MAX_SUMMARY_CHARS,
  MAX_TITLE_CHARS,
  type EnhancementType,
} from './prompts.ts';
import { capAtWord, cleanBlock, cleanLine, normalizeHashtags } from './text.ts';

export interface DraftInput {
  title: string;
  content?: string;
  targetAudience?: string;
  category?: Category;
  /** Forces the language; else the config's setting, else detected from the title and content. */
  language?: Language;
}

export interface DraftOutput {
  title: string;
  content: string;
  hashtags: string[];
  summary: string;
  language: Language;
  model: string;
  cost: number;
}

export interface EnhanceInput {
  title: string;
  content: string;
  type: EnhancementType;
  requirements?: string;
  hashtags?: string[];
  language?: Language;
}

export interface EnhanceOutput {
  type: EnhancementType;
  title: string;
  content: string;
  hashtags?: string[];
  /** What changed, in the post's language; empty when nothing needed changing. */
  changes: string[];
  language: Language;
  model: string;
  cost: number;
}

interface DraftAnswer {
  title: string;
  content: string;
  hashtags: string[];
  summary: string;
}

interface EditAnswer {
  title: string;
  content: string;
  changes: string[];
}

interface HashtagsAnswer {
  hashtags: string[];
  changes: string[];
}

/**
 * The schemas ask for a non-empty body, so one that cleans to nothing (only white space,
 * control or invisible characters) is the model's fault, not the caller's: an error that says so.
 */
const emptyBody = (model: string, what: string) =>
  new Error(`the model (${model}) answered ${what} whose body is empty once white space and control or invisible characters are removed; nothing was saved, try again`);

const cleanChanges = (changes: readonly string[]) =>
  changes.map((c) => capAtWord(cleanLine(c), MAX_CHANGE_CHARS)).filter((c) => c !== '').slice(0, MAX_CHANGES);

/** A title and body from the author's title and optional notes, for an audience and a category. */
export async function draft(input: DraftInput, ctx: Context<Config>): Promise<DraftOutput> {
  const settings = settingsOf(ctx.config);
  const title = cleanLine(input.title);
  const content = input.content === undefined ? undefined : cleanBlock(input.content);
  if (title === '') throw new PluginError('REQUEST_REJECTED', 'the title has no visible characters');
  const language = input.language ?? languageOf(settings.language, title, content);
  const audience = cleanLine(input.targetAudience ?? settings.defaultTargetAudience);
  const { system, prompt } = draftPrompt({ title, content, targetAudience: audience, category: input.category ?? 'general', language });
  ctx.signal.throwIfAborted();
  const result = await ctx.models.structured<DraftAnswer>({
    system,
    prompt,
    schema: DRAFT_SCHEMA,
    tier: settings.tiers.draft,
    latency: 'standard',
    maxTokens: 3000,
    temperature: 0.7,
  });
  const answer = result.value;
  const body = capAtWord(cleanBlock(answer.content), MAX_CONTENT_CHARS);
  if (body === '') throw emptyBody(result.model, 'a draft');
  const draftedTitle = capAtWord(cleanLine(answer.title), MAX_TITLE_CHARS);
  ctx.log.info('drafted', { model: result.model, cost: result.cost, language, chars: body.length });
  return {
    // A blank title from the model falls back to the author's own.
    title: draftedTitle === '' ? capAtWord(title, MAX_TITLE_CHARS) : draftedTitle,
    content: body,
    hashtags: normalizeHashtags(answer.hashtags),
    summary: capAtWord(cleanLine(answer.summary), MAX_SUMMARY_CHARS),
    language,
    model: result.model,
    cost: result.cost,
  };
}

/**
 * One enhancement. Grammar, tone and length rewrite the title and body (standard tier);
 * hashtags only suggests tags (basic tier, fast latency) and leaves the text as it was.
 */
export async function enhance(input: EnhanceInput, ctx: Context<Config>): Promise<EnhanceOutput> {
  const settings = settingsOf(ctx.config);
  const title = cleanLine(input.title);
  const content = cleanBlock(input.content);
  const requirements = input.requirements === undefined ? undefined : cleanBlock(input.requirements);
  const language = input.language ?? languageOf(settings.language, title, content);
  const { system, prompt } = enhancePrompt({ title, content, type: input.type, requirements, hashtags: input.hashtags, language });
  ctx.signal.throwIfAborted();
  if (input.type === 'hashtags') {
    const result = await ctx.models.structured<HashtagsAnswer>({
      system,
      prompt,
      schema: HASHTAGS_SCHEMA,
      tier: settings.tiers.hashtags,
      latency: 'fast',
      maxTokens: 400,
      temperature: 0.3,
    });
    const hashtags = normalizeHashtags(result.value.hashtags);
    if (hashtags.length === 0) throw new Error(`the model (${result.model}) suggested no usable hashtags`);
    return { type: 'hashtags', title, content, hashtags, changes: cleanChanges(result.value.changes), language, model: result.model, cost: result.cost };
  }
  const result = await ctx.models.structured<EditAnswer>({
    system,
    prompt,
    schema: EDIT_SCHEMA,
    tier: settings.tiers.enhance,
    latency: 'standard',
    maxTokens: 3000,
    // Corrections should be the same every time; rewrites may vary a little.
    temperature: input.type === 'grammar' ? 0 : 0.4,
  });
  const answer = result.value;
  const newContent = capAtWord(cleanBlock(answer.content), MAX_CONTENT_CHARS);
  if (newContent === '') throw emptyBody(result.model, `a ${input.type} edit`);
  const newTitle = capAtWord(cleanLine(answer.title), MAX_TITLE_CHARS);
  ctx.log.info('enhanced', { type: input.type, model: result.model, cost: result.cost, language });
  return {
    type: input.type,
    title: newTitle === '' ? title : newTitle,
    content: newContent,
    changes: cleanChanges(answer.changes),
    language,
    model: result.model,
    cost: result.cost,
  };
}
