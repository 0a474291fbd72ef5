/**
 * The `content` workflow: the story first, then the video script and the social posts in
 * parallel, each an agent step of its own (recorded, billed and replayed after a restart).
 * Step inputs come only from the workflow's input, the config and earlier steps' outputs,
 * so a resumed run matches its recorded steps.
 */
import type { Context, Estimate, ModelTier } from '@easel/sdk';
import { settingsOf, type Audience, type OverLimit, type StoryLength, type VideoFormatId } from './config.ts';
import { resolveLanguage, type Language, type LanguageChoice } from './language.ts';
import { PLATFORMS, normalizePlatforms } from './platforms.ts';
import { LENGTH_PLANS } from './prompts/story.ts';
import type { SocialInput, SocialOutput } from './social-media.ts';
import type { StoryInput, StoryOutput } from './story-writer.ts';
import { usd } from './text.ts';
import type { VideoScriptInput, VideoScriptOutput } from './video-script.ts';
import { sceneCountFor, VIDEO_FORMATS } from './video-formats.ts';

export interface ContentInput {
  topic?: string;
  premise?: string;
  genre?: string;
  tone?: string;
  audience?: Audience;
  length?: StoryLength;
  platforms?: string[];
  videoDurationSeconds?: number;
  videoFormat?: VideoFormatId;
  link?: string;
  overLimit?: OverLimit;
  language?: LanguageChoice;
}

export interface ContentOutput {
  story: StoryOutput;
  videoScript: VideoScriptOutput;
  socialPosts: SocialOutput;
  metadata: {
    cost: number;
    costComplete: boolean;
    durationMs: number;
    language: Language;
    agentsUsed: string[];
  };
}

export const AGENTS_USED = ['story-writer.write', 'video-script.write', 'social-media.posts'];

export async function runContent(input: ContentInput, ctx: Context): Promise<ContentOutput> {
  const started = Date.now();
  const settings = settingsOf(ctx.config);
  // Decided once, so the three agents write in the same language.
  const language = resolveLanguage(input.language, settings.language, input.topic, input.premise);

  await ctx.progress('writing the story', { language });
  const storyInput: StoryInput = { language };
  if (input.topic !== undefined) storyInput.topic = input.topic;
  if (input.premise !== undefined) storyInput.premise = input.premise;
  if (input.genre !== undefined) storyInput.genre = input.genre;
  if (input.tone !== undefined) storyInput.tone = input.tone;
  if (input.audience !== undefined) storyInput.audience = input.audience;
  if (input.length !== undefined) storyInput.length = input.length;
  const story = await ctx.agents.invoke<StoryOutput>('story-writer', 'write', storyInput);
  ctx.signal.throwIfAborted();

  await ctx.progress('story written; writing the video script and the social posts in parallel', { title: story.title, wordCount: story.wordCount });
  const videoInput: VideoScriptInput = { story: story.story, title: story.title, tone: story.tone, language };
  if (input.videoDurationSeconds !== undefined) videoInput.durationSeconds = input.videoDurationSeconds;
  if (input.videoFormat !== undefined) videoInput.format = input.videoFormat;
  const socialInput: SocialInput = { story: story.story, title: story.title, tone: story.tone, language };
  if (input.platforms !== undefined) socialInput.platforms = input.platforms;
  if (input.link !== undefined) socialInput.link = input.link;
  if (input.overLimit !== undefined) socialInput.overLimit = input.overLimit;
  const [videoScript, socialPosts] = await Promise.all([
    ctx.agents.invoke<VideoScriptOutput>('video-script', 'write', videoInput),
    ctx.agents.invoke<SocialOutput>('social-media', 'posts', socialInput),
  ]);
  await ctx.progress('content ready', { scenes: videoScript.scenes.length, posts: socialPosts.posts.length });

  return {
    story,
    videoScript,
    socialPosts,
    metadata: {
      cost: usd(story.cost + videoScript.cost + socialPosts.cost),
      costComplete: story.costComplete,
      durationMs: Math.max(0, Date.now() - started),
      language,
      agentsUsed: AGENTS_USED,
    },
  };
}

/** The cost preview: the three steps and the model call that dominates each, with token counts from the input. */
export function estimateContent(input: ContentInput, ctx: Context): Estimate {
  const settings = settingsOf(ctx.config);
  const language = resolveLanguage(input.language, settings.language, input.topic, input.premise);
  const length = input.length ?? settings.storyLength;
  const storyTokens = LENGTH_PLANS[length].maxTokens[language];
  const format = VIDEO_FORMATS[input.videoFormat ?? settings.videoFormat];
  const scenes = sceneCountFor(format, input.videoDurationSeconds ?? format.defaultSeconds);
  const platforms = input.platforms !== undefined ? normalizePlatforms(input.platforms) : settings.platforms;
  const postTokens = platforms.reduce((sum, p) => sum + Math.ceil(PLATFORMS[p].target * (language === 'ko' ? 1.5 : 0.5)), 0);
  const step = (agent: string, capability: string, task: 'text' | 'structured', tier: ModelTier, inputTokens: number, outputTokens: number) => ({
    agent,
    capability,
    model: { task, tier, inputTokens, outputTokens },
  });
  return {
    steps: [
      step('story-writer', 'write', 'text', settings.tiers.story, 400, storyTokens),
      step('video-script', 'write', 'structured', settings.tiers.videoScript, 600 + storyTokens, scenes * (language === 'ko' ? 200 : 120)),
      step('social-media', 'posts', 'text', settings.tiers.posts, platforms.length * (400 + Math.min(storyTokens, 1600)), postTokens),
    ],
  };
}
