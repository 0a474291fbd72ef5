/**
 * video-script.write: a scene-by-scene script (shot, narration, duration) from a story or a
 * brief, as a structured answer; our code then makes the durations add up to the target and
 * reports what it changed.
 */
import { PluginError, type Context } from '@easel/sdk';
import { settingsOf, type VideoFormatId } from './config.ts';
import { fitDurations, toleranceFor } from './durations.ts';
import { resolveLanguage, type Language, type LanguageChoice } from './language.ts';
import { buildScriptPrompt, SCRIPT_SCHEMA, SPEECH_RATE } from './prompts/video.ts';
import { capText, cleanLine, cleanProse, letterCount, usd, wordCount } from './text.ts';
import { sceneCountFor, VIDEO_FORMATS } from './video-formats.ts';

export interface VideoScriptInput {
  story?: string;
  brief?: string;
  title?: string;
  durationSeconds?: number;
  format?: VideoFormatId;
  tone?: string;
  language?: LanguageChoice;
}

export interface Scene {
  index: number;
  startSeconds: number;
  durationSeconds: number;
  shot: string;
  narration: string;
}

export interface VideoScriptOutput {
  title: string;
  format: VideoFormatId;
  aspectRatio: string;
  language: Language;
  targetDurationSeconds: number;
  totalDurationSeconds: number;
  toleranceSeconds: number;
  scenes: Scene[];
  adjusted: boolean;
  adjustments: string[];
  warnings: string[];
  model: string;
  cost: number;
}

interface ModelScript {
  title: string;
  scenes: { shot: string; narration: string; durationSeconds: number }[];
  totalDurationSeconds: number;
}

/** Narration may run this much longer than its scene before a warning (speaking rates vary). */
const PACE_SLACK = 1.15;

export async function writeVideoScript(input: VideoScriptInput, ctx: Context): Promise<VideoScriptOutput> {
  const settings = settingsOf(ctx.config);
  const story = cleanProse(input.story ?? '');
  const briefText = cleanProse(input.brief ?? '');
  if (story === '' && briefText === '') throw new PluginError('REQUEST_REJECTED', 'give a story or a brief with some visible text');
  const format = VIDEO_FORMATS[input.format ?? settings.videoFormat];
  const target = input.durationSeconds ?? format.defaultSeconds;
  if (target < format.minSeconds || target > format.maxSeconds) {
    throw new PluginError('REQUEST_REJECTED', `a ${format.id} video runs ${format.minSeconds} to ${format.maxSeconds} seconds; ${target} was asked for`);
  }
  const title = cleanLine(input.title ?? '');
  const language = resolveLanguage(input.language, settings.language, story, briefText, title);
  const scenes = sceneCountFor(format, target);
  const { system, prompt } = buildScriptPrompt({
    source: story !== '' ? story : briefText,
    sourceKind: story !== '' ? 'story' : 'brief',
    ...(title !== '' ? { title } : {}),
    ...(input.tone ? { tone: cleanLine(input.tone) } : {}),
    format,
    durationSeconds: target,
    scenes,
    language,
  });
  await ctx.progress('planning the video script', { format: format.id, targetSeconds: target, scenes });
  const answer = await ctx.models.structured<ModelScript>({
    system,
    prompt,
    schema: SCRIPT_SCHEMA,
    tier: settings.tiers.videoScript,
    maxTokens: Math.min(16_000, 600 + scenes * (language === 'ko' ? 400 : 250)),
    temperature: 0.6,
  });
  ctx.signal.throwIfAborted();

  const drafted = answer.value.scenes.map((s) => ({ shot: cleanProse(s.shot), narration: cleanProse(s.narration) }));
  const fix = fitDurations(answer.value.scenes.map((s) => s.durationSeconds), target, format.minSceneSeconds);
  const adjustments = [...fix.adjustments];
  // Summed in tenths, as the fix sums them, so the two messages agree.
  const stated = round1(answer.value.totalDurationSeconds);
  const sceneSum = answer.value.scenes.reduce((a, s) => a + (Number.isFinite(s.durationSeconds) ? Math.round(s.durationSeconds * 10) : 0), 0) / 10;
  if (Math.abs(stated - sceneSum) > 0.5) {
    adjustments.unshift(`the model stated a total of ${stated} s but its scenes add up to ${sceneSum} s; the total is computed from the scenes`);
  }

  const out: Scene[] = [];
  const warnings: string[] = [];
  let start = 0;
  for (const [i, scene] of drafted.entries()) {
    ctx.signal.throwIfAborted();
    const duration = fix.durations[i]!;
    const entry: Scene = { index: i + 1, startSeconds: round1(start), durationSeconds: duration, ...scene };
    out.push(entry);
    start += duration;
    const needed = narrationSeconds(scene.narration, language);
    if (needed > duration * PACE_SLACK) {
      const rate = SPEECH_RATE[language];
      warnings.push(`scene ${i + 1}: its narration needs about ${round1(needed)} s at ${rate.perSecond} ${rate.unit} per second but the scene is ${duration} s`);
    }
    // One progress line per scene, so a client following the execution sees the script fill in.
    await ctx.progress(`scene ${i + 1}/${drafted.length}`, {
      index: entry.index,
      startSeconds: entry.startSeconds,
      durationSeconds: entry.durationSeconds,
      shot: capText(entry.shot, 300),
      narration: capText(entry.narration, 400),
    });
  }

  return {
    title: cleanLine(answer.value.title) || title || capText(cleanLine(story || briefText), 60),
    format: format.id,
    aspectRatio: format.aspectRatio,
    language,
    targetDurationSeconds: target,
    totalDurationSeconds: fix.total,
    toleranceSeconds: toleranceFor(target),
    scenes: out,
    adjusted: fix.adjusted || adjustments.length > fix.adjustments.length,
    adjustments,
    warnings,
    model: answer.model,
    cost: usd(answer.cost),
  };
}

/** Seconds the narration takes read aloud at the language's rate. */
export function narrationSeconds(narration: string, language: Language): number {
  const amount = language === 'ko' ? letterCount(narration) : wordCount(narration);
  return amount / SPEECH_RATE[language].perSecond;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
