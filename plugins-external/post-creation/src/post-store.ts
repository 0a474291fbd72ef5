/**
 * The post-store agent: reading and deleting the caller's posts. Every capability answers
 * RESOURCE_NOT_FOUND for a post that is not the caller's, the same as for one that never was.
 */
import type { Context } from '@easel/sdk';
import type { Config } from './config.ts';
import { scopeOf } from './scope.ts';
import { PostStore, type Removed } from './store.ts';
import { nanoUsd } from './text.ts';
import type { CanvasRun, PostView } from './types.ts';

export interface PostIdInput {
  postId: string;
}

export async function getPost(input: PostIdInput, ctx: Context<Config>): Promise<PostView> {
  const store = new PostStore(ctx, scopeOf(ctx));
  return store.view(await store.load(input.postId));
}

export interface CanvasHistory {
  postId: string;
  runs: CanvasRun[];
  totalCost: number;
}

export async function canvasHistory(input: PostIdInput, ctx: Context<Config>): Promise<CanvasHistory> {
  const store = new PostStore(ctx, scopeOf(ctx));
  const record = await store.load(input.postId);
  const runs = await store.canvasRuns(record.postId);
  return { postId: record.postId, runs, totalCost: nanoUsd(runs.reduce((sum, r) => sum + r.cost, 0)) };
}

export async function deletePost(input: PostIdInput, ctx: Context<Config>): Promise<Removed & { deleted: true }> {
  const store = new PostStore(ctx, scopeOf(ctx));
  const record = await store.load(input.postId);
  const removed = await store.remove(record);
  ctx.log.info('deleted a post', { postId: removed.postId, objects: removed.storageObjects.length });
  return { deleted: true, ...removed };
}
