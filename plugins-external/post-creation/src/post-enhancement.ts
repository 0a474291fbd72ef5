/**
 * The post-enhancement workflow: the caller's post, one content-generator.enhance step, and
 * the result saved as a new version with the previous one kept in the post's history.
 * Resumable: a rerun of an execution that already saved its version changes nothing.
 */
import type { Context, Estimate } from '@easel/sdk';
import { settingsOf, type Config } from './config.ts';
import type { EnhanceInput, EnhanceOutput } from './content-generator.ts';
import type { EnhancementType } from './prompts.ts';
import { scopeOf } from './scope.ts';
import { PostStore } from './store.ts';
import { cleanBlock, nanoUsd } from './text.ts';
import type { PostView, TextVersion } from './types.ts';

export interface EnhancementInput {
  postId: string;
  type: EnhancementType;
  requirements?: string;
}

export async function enhancePost(input: EnhancementInput, ctx: Context<Config>): Promise<PostView> {
  const store = new PostStore(ctx, scopeOf(ctx));
  const record = await store.load(input.postId);
  if (store.applied(record)) return store.view(record);
  const previous = record.current;
  const requirements = input.requirements === undefined ? '' : cleanBlock(input.requirements);
  const step: EnhanceInput = { title: previous.title, content: previous.content, type: input.type, language: record.language };
  if (requirements !== '') step.requirements = requirements;
  if (previous.hashtags.length > 0) step.hashtags = previous.hashtags;
  await ctx.progress('enhancing the post', { postId: record.postId, type: input.type });
  const out = await ctx.agents.invoke<EnhanceOutput>('content-generator', 'enhance', step);

  const now = new Date().toISOString();
  const next: TextVersion = {
    version: previous.version + 1,
    title: out.title,
    content: out.content,
    hashtags: out.hashtags ?? previous.hashtags,
    summary: previous.summary,
    origin: input.type,
    changes: out.changes,
    createdAt: now,
  };
  if (requirements !== '') next.requirements = requirements;
  await store.pushHistory(record, previous);
  record.current = next;
  record.updatedAt = now;
  record.metadata.cost = nanoUsd(record.metadata.cost + out.cost);
  if (!record.metadata.models.includes(out.model)) record.metadata.models.push(out.model);
  store.markApplied(record);
  await store.save(record);
  await ctx.progress('saved', { postId: record.postId, version: next.version });
  return store.view(record);
}

/** The preview: one enhancement, basic tier for hashtags. */
export function estimateEnhancement(input: EnhancementInput, ctx: Context<Config>): Estimate {
  const { tiers } = settingsOf(ctx.config);
  const hashtags = input.type === 'hashtags';
  return {
    steps: [
      {
        agent: 'content-generator',
        capability: 'enhance',
        model: { task: 'structured', tier: hashtags ? tiers.hashtags : tiers.enhance, inputTokens: 1500, outputTokens: hashtags ? 150 : 1500 },
      },
    ],
  };
}
