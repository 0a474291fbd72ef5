/**
 * social-media.posts: one post per platform from a story or a brief. The bodies are written
 * in parallel (standard tier), hashtags come from one small structured call (basic tier,
 * fast), and each post is then made to obey its platform's rules (src/fit-post.ts): shortened,
 * or refused with REQUEST_REJECTED when the input says `overLimit: "refuse"`.
 */
import { PluginError, type Context } from '@easel/sdk';
import { settingsOf, type OverLimit, type Settings } from './config.ts';
import { composePost, fitPost, type Fit } from './fit-post.ts';
import { cleanHashtags } from './hashtags.ts';
import { resolveLanguage, type Language, type LanguageChoice } from './language.ts';
import { normalizePlatforms, PLATFORMS, type PlatformId, type PlatformRule } from './platforms.ts';
import { lengthOf, type Counting } from './post-length.ts';
import { buildHashtagPrompt, buildPostPrompt, HASHTAG_SCHEMA, MAX_SUGGESTED_HASHTAGS } from './prompts/social.ts';
import { capText, cleanLine, cleanProse, errorCode, errorMessage, usd } from './text.ts';

export interface SocialInput {
  story?: string;
  brief?: string;
  title?: string;
  platforms?: string[];
  tone?: string;
  link?: string;
  language?: LanguageChoice;
  overLimit?: OverLimit;
}

export interface Post {
  platform: PlatformId;
  name: string;
  text: string;
  length: number;
  limit: number;
  unit: string;
  counting: Counting;
  hashtags: string[];
  linkIncluded: boolean;
  shortened: boolean;
  adjustments: string[];
  model: string;
  cost: number;
}

export interface SocialOutput {
  posts: Post[];
  /** The hashtags the model suggested, cleaned; each post carries those it used. */
  suggestedHashtags: string[];
  hashtagModel: string | null;
  language: Language;
  overLimit: OverLimit;
  cost: number;
}

interface Tags {
  tags: string[];
  model: string | null;
  cost: number;
}

export async function writePosts(input: SocialInput, ctx: Context): Promise<SocialOutput> {
  const settings = settingsOf(ctx.config);
  const story = cleanProse(input.story ?? '');
  const briefText = cleanProse(input.brief ?? '');
  if (story === '' && briefText === '') throw new PluginError('REQUEST_REJECTED', 'give a story or a brief with some visible text');
  const platforms = input.platforms !== undefined ? normalizePlatforms(input.platforms) : settings.platforms;
  if (platforms.length === 0) throw new PluginError('REQUEST_REJECTED', 'name at least one known platform');
  const title = cleanLine(input.title ?? '') || undefined;
  const tone = cleanLine(input.tone ?? '') || undefined;
  const language = resolveLanguage(input.language, settings.language, story, briefText, title);
  const mode = input.overLimit ?? settings.overLimit;
  const source = story !== '' ? story : briefText;
  const sourceKind = story !== '' ? ('story' as const) : ('brief' as const);
  await ctx.progress('writing social posts', { platforms, language, overLimit: mode });

  const wanted = Math.min(MAX_SUGGESTED_HASHTAGS, Math.max(...platforms.map((p) => PLATFORMS[p].hashtags.suggested)) + 3);
  const tags = suggestHashtags(source, title, language, wanted, settings, ctx);
  // It rejects only on a cancel; the drafts then fail too. Marked handled so that is not reported twice.
  tags.catch(() => undefined);

  const drafts = await Promise.all(
    platforms.map(async (id) => {
      const rule = PLATFORMS[id];
      const reserved = reservedFor(rule, language, input.link);
      const { system, prompt, maxTokens } = buildPostPrompt({ rule, source, sourceKind, ...(title ? { title } : {}), ...(tone ? { tone } : {}), language, reserved });
      const answer = await ctx.models.text({ system, prompt, maxTokens, tier: settings.tiers.posts, temperature: 0.7 });
      ctx.signal.throwIfAborted();
      const body = cleanDraft(answer.text);
      if (body === '') throw new Error(`the model wrote an empty ${rule.name} post`);
      const fit = fitPost(body, (await tags).tags, rule, mode, input.link);
      // One progress line per post as soon as it is ready, so a client sees them arrive.
      if (fit.ok) await ctx.progress(`post ready: ${rule.name}`, { platform: id, length: fit.post.length, limit: rule.limit, shortened: fit.post.shortened, text: capText(fit.post.text, 600) });
      return { rule, answer, fit };
    }),
  );

  const refused = drafts.flatMap(({ rule, fit }) => (fit.ok ? [] : [`${rule.id} (limit ${rule.limit} ${rule.unit}, ${rule.hashtags.max} hashtag(s)): ${(fit as Extract<Fit, { ok: false }>).reason}`]));
  if (refused.length > 0) throw new PluginError('REQUEST_REJECTED', `refused (overLimit is "refuse"): ${refused.join('; ')}`);

  const suggested = await tags;
  const posts: Post[] = drafts.map(({ rule, answer, fit }) => {
    const { post } = fit as Extract<Fit, { ok: true }>;
    return {
      platform: rule.id,
      name: rule.name,
      text: post.text,
      length: post.length,
      limit: rule.limit,
      unit: rule.unit,
      counting: rule.counting,
      hashtags: post.hashtags,
      linkIncluded: post.linkIncluded,
      shortened: post.shortened,
      adjustments: post.adjustments,
      model: answer.model,
      cost: usd(answer.cost),
    };
  });
  const cost = posts.reduce((sum, p) => sum + p.cost, suggested.cost);
  return { posts, suggestedHashtags: suggested.tags, hashtagModel: suggested.model, language, overLimit: mode, cost: usd(cost) };
}

/**
 * Hashtag suggestions from a basic, fast structured call. Posts are still worth having
 * without them: a failed call (other than a cancel) gives no tags and a warning.
 */
async function suggestHashtags(source: string, title: string | undefined, language: Language, count: number, settings: Settings, ctx: Context): Promise<Tags> {
  try {
    const { system, prompt } = buildHashtagPrompt(source, title, language, count);
    const answer = await ctx.models.structured<{ hashtags: string[] }>({ system, prompt, schema: HASHTAG_SCHEMA, tier: settings.tiers.hashtags, latency: 'fast', maxTokens: 300, temperature: 0.3 });
    return { tags: cleanHashtags(answer.value.hashtags, 50), model: answer.model, cost: answer.cost };
  } catch (err) {
    ctx.signal.throwIfAborted();
    ctx.log.warn('the hashtag call failed; posts go out without generated hashtags', { code: errorCode(err), message: errorMessage(err) });
    return { tags: [], model: null, cost: 0 };
  }
}

/** What the link and the appended hashtags will take on this platform, estimated with typical tags of the language. */
export function reservedFor(rule: PlatformRule, language: Language, link: string | undefined): number {
  const sample = Array.from({ length: rule.hashtags.suggested }, () => (language === 'ko' ? '가나다라마바' : 'SampleHashtag'));
  const url = link !== undefined && rule.allowsLinks ? link : undefined;
  return lengthOf(composePost('.', url, sample, rule.hashtags.placement), rule.counting) - lengthOf('.', rule.counting);
}

/** A drafted post without the wrapping a model sometimes adds: a preface line, quotes around the whole. */
export function cleanDraft(raw: string): string {
  let text = cleanProse(raw);
  const firstBreak = text.indexOf('\n');
  if (firstBreak > 0 && /^(here('s| is| are)\b|sure\b|다음은|아래는)[^\n]*[:：]$/iu.test(text.slice(0, firstBreak))) text = text.slice(firstBreak + 1).trim();
  const quoted = /^(["“「『])([\s\S]*)(["”」』])$/u.exec(text);
  if (quoted && !/["“”「」『』]/u.test(quoted[2]!)) text = quoted[2]!.trim();
  return text;
}
