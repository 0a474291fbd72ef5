/** video-script.write through testPlugin: structured scenes, durations fixed to the target, progress per scene. */
import { testPlugin, type TestOptions } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import definition from '../src/index.ts';
import { SCRIPT_SCHEMA } from '../src/prompts/video.ts';
import { narrationSeconds, type VideoScriptOutput } from '../src/video-script.ts';
import { EN_STORY, KO_STORY, models, scenes, type Scripts } from './helpers.ts';

function plugin(scripts: Scripts = {}, options: TestOptions = {}) {
  return testPlugin(definition, manifest, { models: models(scripts), ...options });
}

const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 10) / 10;

describe('video-script.write', () => {
  test('English story: scenes over the target are rescaled to it, and the change is reported', async () => {
    const p = plugin({ video: { title: 'The Paper Boat', scenes: scenes([15, 20, 25, 15]), totalDurationSeconds: 60 } });
    const out = await p.invoke<VideoScriptOutput>('video-script', 'write', { story: EN_STORY, title: 'The Paper Boat', durationSeconds: 60 });
    expect(out).toMatchObject({ title: 'The Paper Boat', format: 'shorts', aspectRatio: '9:16', language: 'en', targetDurationSeconds: 60, totalDurationSeconds: 60, toleranceSeconds: 3, adjusted: true });
    expect(out.scenes.map((s) => s.durationSeconds)).toEqual([12, 16, 20, 12]);
    expect(out.scenes.map((s) => s.startSeconds)).toEqual([0, 12, 28, 48]);
    expect(out.scenes.map((s) => s.index)).toEqual([1, 2, 3, 4]);
    expect(out.scenes[0]!.shot).toMatch(/close-up of the lighthouse/);
    expect(out.adjustments).toEqual([
      'the model stated a total of 60 s but its scenes add up to 75 s; the total is computed from the scenes',
      'the scenes summed to 75 s, 15 s over the 60 s target (tolerance ±3 s): rescaled every scene by about 0.80 so they sum to 60 s',
    ]);
    const request = p.recorded.models.structured[0]!;
    expect(request).toMatchObject({ tier: 'standard', schema: SCRIPT_SCHEMA });
    expect(request.prompt).toContain('Target duration: 60 seconds in total.');
    expect(request.prompt).toContain(EN_STORY);
    // One progress line per scene, in order, after the planning line.
    expect(p.recorded.progress.map((l) => l.message)).toEqual(['planning the video script', 'scene 1/4', 'scene 2/4', 'scene 3/4', 'scene 4/4']);
    expect(p.recorded.progress[1]!.data).toMatchObject({ index: 1, startSeconds: 0, durationSeconds: 12 });
  });

  test('Korean brief: timing within the tolerance is kept; the standard format; narration pace warnings', async () => {
    const plan = scenes([60, 58, 60], 'ko');
    plan[1]!.narration = '가'.repeat(400); // 400 syllables need 80 s at 5 per second
    const p = plugin({ video: { title: '종이배', scenes: plan, totalDurationSeconds: 178 } });
    const out = await p.invoke<VideoScriptOutput>('video-script', 'write', { brief: '등대지기와 종이배 이야기를 소개하는 영상', format: 'standard' });
    expect(out).toMatchObject({ language: 'ko', format: 'standard', aspectRatio: '16:9', targetDurationSeconds: 180, totalDurationSeconds: 178, adjusted: false, adjustments: [] });
    expect(out.warnings).toEqual(['scene 2: its narration needs about 80 s at 5 syllables per second but the scene is 58 s']);
    expect(p.recorded.models.structured[0]!.prompt).toMatch(/Korean \(한국어\)/);
    expect(p.recorded.models.structured[0]!.prompt).toContain('Write the video from this brief:');
  });

  test('Korean story: an under-long plan is stretched to the target, exactly', async () => {
    const p = plugin({ video: { scenes: scenes([3, 4, 5, 3], 'ko'), totalDurationSeconds: 15 } });
    const out = await p.invoke<VideoScriptOutput>('video-script', 'write', { story: KO_STORY, durationSeconds: 45 });
    expect(out.language).toBe('ko');
    expect(sum(out.scenes.map((s) => s.durationSeconds))).toBe(45);
    expect(out.totalDurationSeconds).toBe(45);
    expect(out.adjustments[0]).toMatch(/30 s under the 45 s target/);
  });

  test("the model's stated total is reported when it disagrees with its scenes, both to a tenth", async () => {
    const p = plugin({ video: { scenes: scenes([20.04, 20.04, 20.04]), totalDurationSeconds: 61.23456 } });
    const out = await p.invoke<VideoScriptOutput>('video-script', 'write', { story: EN_STORY });
    expect(out.adjustments).toEqual(['the model stated a total of 61.2 s but its scenes add up to 60 s; the total is computed from the scenes']);
    expect(out).toMatchObject({ adjusted: true, totalDurationSeconds: 60 });
  });

  test('a duration outside the format is refused before any model call, naming the range', async () => {
    const p = plugin();
    await expect(p.invoke('video-script', 'write', { story: EN_STORY, durationSeconds: 300 })).rejects.toMatchObject({ code: 'REQUEST_REJECTED', message: expect.stringMatching(/shorts video runs 10 to 180 seconds; 300/) });
    await expect(p.invoke('video-script', 'write', { story: EN_STORY, durationSeconds: 20, format: 'standard' })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
    await expect(p.invoke('video-script', 'write', { story: EN_STORY, durationSeconds: 5 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(p.invoke('video-script', 'write', { title: 'no story' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(p.recorded.models.structured).toHaveLength(0);
  });

  test('the config picks the format and tier when the input does not', async () => {
    const p = plugin({ video: { scenes: scenes([90, 90]), totalDurationSeconds: 180 } }, { config: { videoFormat: 'standard', tiers: { videoScript: 'basic' } } });
    const out = await p.invoke<VideoScriptOutput>('video-script', 'write', { story: EN_STORY });
    expect(out).toMatchObject({ format: 'standard', targetDurationSeconds: 180, adjusted: false });
    expect(p.recorded.models.structured[0]!.tier).toBe('basic');
  });

  test('narration time: words for English, syllables for Korean', () => {
    expect(narrationSeconds('one two three four five', 'en')).toBe(2);
    expect(narrationSeconds('가나다라마 바사아자차', 'ko')).toBe(2);
  });
});
