/**
 * The `content` workflow through testPlugin: its own agents run as steps (their schemas
 * checked), models scripted per prompt. The concurrency test holds each branch's first model
 * call until both branches have made one: run one after the other, the workflow could never
 * finish.
 */
import { createTestContext, testPlugin, type StructuredRequest } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import manifest from '../plugin.json' with { type: 'json' };
import { AGENTS_USED, estimateContent, type ContentOutput } from '../src/content-workflow.ts';
import definition from '../src/index.ts';
import { EN_STORY, EN_STORY_CHUNKS, gate, KO_STORY, KO_STORY_CHUNKS, models, scenes } from './helpers.ts';

const streamNexts = (recorded: { calls: { capability: string; op: string }[] }) => recorded.calls.filter((c) => c.capability === 'models' && c.op === 'streamNext').length;

describe('the content workflow', () => {
  test('the story first (streamed), then the video script and the posts concurrently', async () => {
    const both = gate();
    const started = new Set<string>();
    const storyReadWhenBranchStarted: number[] = [];
    let recorded: { calls: { capability: string; op: string }[] } = { calls: [] };
    /** A branch's model call: note the branch, open the gate when both are in, wait for it. */
    const arrive = async (branch: string) => {
      storyReadWhenBranchStarted.push(streamNexts(recorded));
      started.add(branch);
      if (started.size === 2) both.release();
      await both.opened;
    };
    const p = testPlugin(definition, manifest, {
      models: models({
        story: EN_STORY_CHUNKS,
        video: async (_request: StructuredRequest) => {
          await arrive('video');
          return { title: 'The Paper Boat', scenes: scenes([20, 25, 30]), totalDurationSeconds: 75 };
        },
        posts: async (platform) => {
          await arrive('social');
          return `A ${platform} post about a paper boat.`;
        },
      }),
    });
    recorded = p.recorded;
    const out = await p.run<ContentOutput>('content', { topic: 'a lighthouse keeper and a paper boat', tone: 'wistful', platforms: ['x', 'threads'], videoDurationSeconds: 60 });

    expect([...started].sort()).toEqual(['social', 'video']);
    // Neither branch started before the story had been read to its end.
    expect(storyReadWhenBranchStarted.every((n) => n === EN_STORY_CHUNKS.length + 1)).toBe(true);
    // The story was streamed, chunk by chunk, once.
    expect(p.recorded.models.streamText).toHaveLength(1);
    expect(streamNexts(p.recorded)).toBe(EN_STORY_CHUNKS.length + 1);

    expect(p.recorded.agents.map((a) => `${a.agent}.${a.capability}`)).toEqual([
      'content-creation/story-writer.write',
      'content-creation/video-script.write',
      'content-creation/social-media.posts',
    ]);
    // The branches get the story the first step wrote, and the language decided once.
    expect(p.recorded.agents[1]!.input).toMatchObject({ story: EN_STORY, title: 'The Paper Boat', tone: 'wistful', language: 'en', durationSeconds: 60 });
    expect(p.recorded.agents[2]!.input).toMatchObject({ story: EN_STORY, title: 'The Paper Boat', language: 'en', platforms: ['x', 'threads'] });

    expect(out.story).toMatchObject({ title: 'The Paper Boat', story: EN_STORY, streamed: true });
    expect(out.videoScript).toMatchObject({ totalDurationSeconds: 60, adjusted: true });
    expect(out.socialPosts.posts.map((post) => post.platform)).toEqual(['x', 'threads']);
    expect(out.metadata).toMatchObject({ language: 'en', agentsUsed: AGENTS_USED, costComplete: false });
    expect(out.metadata.cost).toBeCloseTo(out.story.cost + out.videoScript.cost + out.socialPosts.cost, 9);
    expect(out.metadata.durationMs).toBeGreaterThanOrEqual(0);

    const messages = p.recorded.progress.map((l) => l.message);
    expect(messages[0]).toBe('writing the story');
    expect(messages).toContain('story written; writing the video script and the social posts in parallel');
    expect(messages.filter((m) => /^scene \d\/3$/.test(m))).toEqual(['scene 1/3', 'scene 2/3', 'scene 3/3']);
    expect(messages.filter((m) => m.startsWith('post ready')).sort()).toEqual(['post ready: Threads', 'post ready: X']);
    expect(messages.at(-1)).toBe('content ready');
  });

  test('Korean: detected once from the topic and passed to every agent', async () => {
    const p = testPlugin(definition, manifest, {
      models: models({ story: KO_STORY_CHUNKS, title: '종이배', video: { scenes: scenes([30, 30], 'ko'), totalDurationSeconds: 60 }, posts: () => '종이배 이야기를 읽어 보세요.', hashtags: ['단편소설', '등대'] }),
    });
    const out = await p.run<ContentOutput>('content', { topic: '등대지기와 종이배', platforms: ['instagram'] });
    expect(p.recorded.agents.map((a) => (a.input as { language: string }).language)).toEqual(['ko', 'ko', 'ko']);
    expect(out.metadata.language).toBe('ko');
    expect(out.story).toMatchObject({ title: '종이배', story: KO_STORY, language: 'ko' });
    expect(out.videoScript).toMatchObject({ language: 'ko', totalDurationSeconds: 60, adjusted: false });
    expect(out.socialPosts.posts[0]!.text).toBe('종이배 이야기를 읽어 보세요.\n\n#단편소설 #등대');
  });

  test('a refused post fails the workflow with REQUEST_REJECTED', async () => {
    const p = testPlugin(definition, manifest, { models: models({ posts: () => 'word '.repeat(100) }) });
    await expect(p.run('content', { premise: 'A paper boat brings a letter.', platforms: ['x'], overLimit: 'refuse' })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
  });

  test('a story that fails stops the workflow before the branches', async () => {
    const p = testPlugin(definition, manifest, { models: models({ story: [' '] }) });
    await expect(p.run('content', { topic: 'boat' })).rejects.toMatchObject({ code: 'PLUGIN_ERROR' });
    expect(p.recorded.agents).toHaveLength(1);
  });

  test('the workflow input is checked', async () => {
    const p = testPlugin(definition, manifest, { models: models({}) });
    await expect(p.run('content', { genre: 'fantasy' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(p.run('content', { topic: 'boat', videoDurationSeconds: 601 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(p.recorded.agents).toHaveLength(0);
  });

  test('the cost preview names the three steps and sizes their model calls from the input', () => {
    const { ctx } = createTestContext({ manifest });
    const estimate = estimateContent({ topic: '종이배', length: 'medium', platforms: ['x', 'threads'], videoFormat: 'standard', videoDurationSeconds: 120 }, ctx);
    expect(estimate.steps.map((s) => `${s.agent}.${s.capability}`)).toEqual(['story-writer.write', 'video-script.write', 'social-media.posts']);
    expect(estimate.steps[0]!.model).toEqual({ task: 'text', tier: 'standard', inputTokens: 400, outputTokens: 4608 });
    expect(estimate.steps[1]!.model).toMatchObject({ task: 'structured', tier: 'standard', outputTokens: 10 * 200 });
    expect(estimate.steps[2]!.model).toMatchObject({ task: 'text', outputTokens: Math.ceil(200 * 1.5) + Math.ceil(380 * 1.5) });
  });
});
