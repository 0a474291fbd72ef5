/** The video formats a script can be written for. */
import type { VideoFormatId } from './config.ts';

export interface VideoFormat {
  id: VideoFormatId;
  aspectRatio: '9:16' | '16:9';
  /** Shortest and longest video, in seconds. */
  minSeconds: number;
  maxSeconds: number;
  defaultSeconds: number;
  /** No scene is made shorter than this by the duration fix (unless the target leaves less room). */
  minSceneSeconds: number;
  /** Seconds per scene we ask for, roughly: short-form cuts fast. */
  secondsPerScene: number;
  /** How the writer should shoot it. */
  style: string;
}

export const VIDEO_FORMATS: Readonly<Record<VideoFormatId, VideoFormat>> = {
  // Vertical short-form (YouTube Shorts, Instagram Reels, TikTok). 180 s is YouTube Shorts'
  // maximum since October 2024, and within what Reels and TikTok take.
  shorts: {
    id: 'shorts',
    aspectRatio: '9:16',
    minSeconds: 10,
    maxSeconds: 180,
    defaultSeconds: 60,
    minSceneSeconds: 1,
    secondsPerScene: 5,
    style: 'Vertical 9:16 short-form video. Hook the viewer in the first 2 seconds with the most striking image or line; fast cuts; close-ups read best on a phone; on-screen text kept to a few words.',
  },
  // Horizontal video for YouTube or a website; 600 s keeps the scene plan within one answer.
  standard: {
    id: 'standard',
    aspectRatio: '16:9',
    minSeconds: 30,
    maxSeconds: 600,
    defaultSeconds: 180,
    minSceneSeconds: 2,
    secondsPerScene: 12,
    style: 'Horizontal 16:9 video. Establish the setting with wide shots, then move closer as the story tightens; give moments room to breathe.',
  },
};

/** Scenes to ask for: about one per `secondsPerScene`, at least 3, at most 40. */
export function sceneCountFor(format: VideoFormat, seconds: number): number {
  return Math.min(40, Math.max(3, Math.round(seconds / format.secondsPerScene)));
}
