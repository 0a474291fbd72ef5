/** Prompts and the answer schema for the video script: pure functions of the request. */
import type { Language } from '../language.ts';
import type { VideoFormat } from '../video-formats.ts';

export const MAX_SCENES = 40;

/** The shape the model answers in (checked by the host); durations are then fixed by our code. */
export const SCRIPT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'scenes', 'totalDurationSeconds'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 100 },
    scenes: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_SCENES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['shot', 'narration', 'durationSeconds'],
        properties: {
          shot: { type: 'string', minLength: 1, maxLength: 500, description: 'What the camera shows: framing, movement, subject, setting, light' },
          narration: { type: 'string', maxLength: 800, description: 'The voice-over spoken during the scene; empty for a silent scene' },
          durationSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 600 },
        },
      },
    },
    totalDurationSeconds: { type: 'number', minimum: 0, maximum: 3600 },
  },
} as const;

export const VIDEO_SYSTEM =
  'You are a video scriptwriter and director who adapts stories into shootable scripts. ' +
  'Split the video into scenes in story order. For each scene give the shot (what the camera shows: framing such as close-up or wide, camera movement, subject, setting and light, in one or two sentences) ' +
  'and the narration (the voice-over spoken during that scene, in full sentences a narrator can read aloud), and its duration in seconds. ' +
  'Narration must fit its scene when read at a natural pace; leave it empty for a purely visual beat. The scene durations must add up to the target duration.';

const NARRATION_RULES: Readonly<Record<Language, string>> = {
  en: 'Write the shots and the narration in English. Narration is read at about 2.5 words per second.',
  ko: 'Write the shots and the narration in Korean (한국어); narration in natural spoken Korean (해요체 or 하다체, consistently). Narration is read at about 5 syllables per second.',
};

export interface ScriptBrief {
  source: string;
  sourceKind: 'story' | 'brief';
  title?: string;
  tone?: string;
  format: VideoFormat;
  durationSeconds: number;
  scenes: number;
  language: Language;
}

export function buildScriptPrompt(brief: ScriptBrief): { system: string; prompt: string } {
  const lines = [
    `Target duration: ${brief.durationSeconds} seconds in total.`,
    `Format: ${brief.format.style}`,
    `Use about ${brief.scenes} scenes.`,
  ];
  if (brief.tone) lines.push(`Tone: ${brief.tone}.`);
  lines.push(NARRATION_RULES[brief.language]);
  if (brief.title) lines.push(`Title: ${brief.title}`);
  lines.push('', brief.sourceKind === 'story' ? 'Adapt this story:' : 'Write the video from this brief:', brief.source);
  return { system: `${VIDEO_SYSTEM} ${NARRATION_RULES[brief.language]}`, prompt: lines.join('\n') };
}

/** Speaking rates used to check that narration fits its scene. */
export const SPEECH_RATE: Readonly<Record<Language, { perSecond: number; unit: string }>> = {
  en: { perSecond: 2.5, unit: 'words' },
  ko: { perSecond: 5, unit: 'syllables' },
};
