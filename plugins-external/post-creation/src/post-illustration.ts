/**
 * The post-illustration workflow: a new canvas run for an existing post (new keyword, style,
 * count or sketch). The chosen images replace the post's images (the old objects are
 * deleted), and the run joins the post's canvas history.
 */
import { PluginError, type Context, type Estimate } from '@easel/sdk';
import { canvasDataOf, drawCandidates, keepChosen, SKETCH_TO_IMAGE, TEXT_TO_IMAGE } from './canvas.ts';
import { settingsOf, type Config, type Style } from './config.ts';
import { runTagFor, scopeOf } from './scope.ts';
import { MAX_CANVAS_RUNS, PostStore } from './store.ts';
import { cleanLine, keywordFromTitle, nanoUsd } from './text.ts';
import type { PostView } from './types.ts';

export interface IllustrationInput {
  postId: string;
  keyword?: string;
  style?: Style;
  imageCount?: number;
  sketch?: Uint8Array;
}

export async function illustratePost(input: IllustrationInput, ctx: Context<Config>): Promise<PostView> {
  const settings = settingsOf(ctx.config);
  const store = new PostStore(ctx, scopeOf(ctx));
  const record = await store.load(input.postId);
  if (store.applied(record)) return store.view(record);
  if (record.canvasRuns >= MAX_CANVAS_RUNS) {
    throw new PluginError('REQUEST_REJECTED', `post ${record.postId} already had ${MAX_CANVAS_RUNS} canvas runs, the most one post keeps`);
  }
  const keyword = cleanLine(input.keyword ?? '') || keywordFromTitle(record.current.title);
  if (keyword === '') throw new PluginError('REQUEST_REJECTED', 'no canvas keyword: give keyword, or give the post a title with visible words');
  await ctx.progress('drawing images', { postId: record.postId });
  const drawn = await drawCandidates(ctx, {
    keyword,
    style: input.style ?? settings.defaultStyle,
    count: input.imageCount ?? settings.defaultImageCount,
    size: settings.imageSize,
    ...(input.sketch !== undefined ? { sketch: input.sketch } : {}),
  });
  const runNumber = record.canvasRuns + 1;
  const now = new Date().toISOString();
  const previous = record.images;
  await store.cleanUpOnFailure(store.runPrefix(record.postId, runTagFor(ctx.executionId)), async () => {
    const kept = await keepChosen(ctx, store, record, drawn, runNumber, now);
    record.images = kept.images;
    record.canvasData = canvasDataOf(kept.run);
    record.updatedAt = now;
    record.metadata.cost = nanoUsd(record.metadata.cost + kept.selection.cost + kept.run.cost);
    for (const model of [kept.selection.model, ...kept.run.images.map((i) => i.model)]) if (!record.metadata.models.includes(model)) record.metadata.models.push(model);
    store.markApplied(record);
    await store.save(record);
  });
  const replaced = previous.filter((old) => !record.images.some((i) => i.key === old.key));
  // The old images go once the post no longer points at them.
  for (const old of replaced) await ctx.storage.delete(old.key);
  await ctx.progress('saved', { postId: record.postId, run: runNumber, images: record.images.length });
  return store.view(record);
}

/** The preview: one canvas call and one selection. */
export function estimateIllustration(input: IllustrationInput, ctx: Context<Config>): Estimate {
  const settings = settingsOf(ctx.config);
  const [agent, capability] = input.sketch !== undefined ? SKETCH_TO_IMAGE : TEXT_TO_IMAGE;
  return {
    steps: [
      { agent, capability, model: { task: 'image', images: input.imageCount ?? settings.defaultImageCount } },
      { agent: 'image-selector', capability: 'select', model: { task: 'structured', tier: settings.tiers.select, inputTokens: 900, outputTokens: 250 } },
    ],
  };
}
