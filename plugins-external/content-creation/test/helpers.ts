/**
 * Shared test scaffolding: scripted model answers routed by which of the plugin's prompts
 * asked (each prompt has its own system text), and sample stories in both languages.
 */
import type { ScriptedModels, StructuredRequest } from '@easel/sdk/testing';
import { HASHTAG_SYSTEM, POST_SYSTEM } from '../src/prompts/social.ts';
import { STORY_SYSTEM, TITLE_SYSTEM } from '../src/prompts/story.ts';
import { VIDEO_SYSTEM } from '../src/prompts/video.ts';

export const EN_STORY_CHUNKS = [
  'The lighthouse keeper counted the ships every night. ',
  'One evening a paper boat drifted in, carrying a letter addressed to her.\n\n',
  'She read it twice, then lit the lamp a little brighter than before.',
];
export const EN_STORY = EN_STORY_CHUNKS.join('');

export const KO_STORY_CHUNKS = ['등대지기는 매일 밤 배를 세었다. ', '어느 저녁, 종이배 하나가 편지를 싣고 떠밀려 왔다.\n\n', '그녀는 편지를 두 번 읽고, 등불을 조금 더 밝게 켰다.'];
export const KO_STORY = KO_STORY_CHUNKS.join('');

export interface SceneAnswer {
  shot: string;
  narration: string;
  durationSeconds: number;
}

export const scenes = (durations: number[], language: 'en' | 'ko' = 'en'): SceneAnswer[] =>
  durations.map((d, i) =>
    language === 'ko'
      ? { shot: `장면 ${i + 1}: 바닷가 등대를 비추는 클로즈업`, narration: '등대지기는 배를 세었다.', durationSeconds: d }
      : { shot: `Scene ${i + 1}: close-up of the lighthouse lamp at dusk`, narration: 'She counted the ships.', durationSeconds: d },
  );

/** Which prompt a request came from. */
export type Kind = 'story' | 'title' | 'video' | 'post' | 'hashtags' | 'other';

export function kindOf(request: { system?: string }): Kind {
  const system = request.system ?? '';
  if (system.startsWith(STORY_SYSTEM)) return 'story';
  if (system.startsWith(TITLE_SYSTEM)) return 'title';
  if (system.startsWith(VIDEO_SYSTEM)) return 'video';
  if (system.startsWith(POST_SYSTEM)) return 'post';
  if (system.startsWith(HASHTAG_SYSTEM)) return 'hashtags';
  return 'other';
}

/** The platform a post prompt is for (its "Platform: X." line). */
export function platformOf(request: { prompt: string }): string {
  return /^Platform: (.+)\.$/m.exec(request.prompt)?.[1] ?? '?';
}

export interface Scripts {
  story?: string[];
  title?: string | Error;
  video?: { title?: string; scenes: SceneAnswer[]; totalDurationSeconds: number } | ((request: StructuredRequest) => Promise<unknown>);
  posts?: (platform: string, request: { prompt: string }) => string | Promise<string>;
  hashtags?: string[] | Error | (() => Promise<string[]>);
  /** A non-streamed story (config streamStory: false). */
  text?: string;
}

/** Scripted models for all the plugin's calls, each answered by what asked. */
export function models(scripts: Scripts): ScriptedModels {
  return {
    streamText: (request) => {
      if (kindOf(request) !== 'story') throw new Error(`unexpected stream: ${request.system}`);
      return scripts.story ?? EN_STORY_CHUNKS;
    },
    text: async (request) => {
      const kind = kindOf(request);
      if (kind === 'story') return scripts.text ?? EN_STORY;
      if (kind === 'post') return scripts.posts ? scripts.posts(platformOf(request), request) : `A post for ${platformOf(request)}.`;
      throw new Error(`unexpected text call: ${kind}`);
    },
    structured: async (request) => {
      const kind = kindOf(request);
      if (kind === 'title') {
        if (scripts.title instanceof Error) throw scripts.title;
        return { title: scripts.title ?? 'The Paper Boat' };
      }
      if (kind === 'video') {
        const video = scripts.video ?? { scenes: scenes([20, 20, 20]), totalDurationSeconds: 60 };
        return typeof video === 'function' ? video(request) : { title: video.title ?? 'The Paper Boat', scenes: video.scenes, totalDurationSeconds: video.totalDurationSeconds };
      }
      if (kind === 'hashtags') {
        const tags = scripts.hashtags ?? ['PaperBoat', 'ShortStory', 'Lighthouse', 'Fiction', 'Reading', 'StoryTime'];
        if (tags instanceof Error) throw tags;
        return { hashtags: typeof tags === 'function' ? await tags() : tags };
      }
      throw new Error(`unexpected structured call: ${kind}`);
    },
  };
}

/** Resolves once `release` has been called; a barrier for concurrency tests. */
export function gate(): { opened: Promise<void>; release: () => void } {
  let release = () => {};
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { opened, release };
}
