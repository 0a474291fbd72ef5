/**
 * The post-creation workflow: draft the post and, when asked, draw canvas candidates at the
 * same time (the drawing needs only the title or the caller's keyword); then let the
 * image-selector choose, store the chosen images, and keep the post for its caller.
 */
import { PluginError, type Context, type Estimate } from '@easel/sdk';
import { canvasDataOf, drawCandidates, keepChosen, SKETCH_TO_IMAGE, TEXT_TO_IMAGE } from './canvas.ts';
import { settingsOf, type Category, type Config, type Style } from './config.ts';
import type { DraftInput, DraftOutput } from './content-generator.ts';
import { languageOf } from './language.ts';
import { postIdFor, runTagFor, scopeOf } from './scope.ts';
import { PostStore } from './store.ts';
import { cleanBlock, cleanLine, keywordFromTitle, nanoUsd } from './text.ts';
import type { PostRecord, PostView } from './types.ts';

export interface CanvasConfig {
  keyword?: string;
  /** A PNG or JPEG drawing (a byte field one level down: the host hands it over as bytes). */
  sketch?: Uint8Array;
  style?: Style;
  imageCount?: number;
}

export interface CreationInput {
  title: string;
  content?: string;
  useCanvas?: boolean;
  canvasConfig?: CanvasConfig;
  targetAudience?: string;
  category?: Category;
}

const timed = async <T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
  const start = Date.now();
  const value = await work();
  return { value, ms: Date.now() - start };
};

export async function createPost(input: CreationInput, ctx: Context<Config>): Promise<PostView> {
  const started = Date.now();
  const settings = settingsOf(ctx.config);
  const store = new PostStore(ctx, scopeOf(ctx));
  const useCanvas = input.useCanvas === true;
  if (!useCanvas && input.canvasConfig !== undefined) {
    throw new PluginError('REQUEST_REJECTED', 'canvasConfig (and its sketch) needs useCanvas: true');
  }
  const sketch = input.canvasConfig?.sketch;
  const postId = postIdFor(ctx.executionId);
  const existing = await store.find(postId);
  if (existing !== undefined && store.applied(existing)) return store.view(existing);

  const title = cleanLine(input.title);
  if (title === '') throw new PluginError('REQUEST_REJECTED', 'the title has no visible characters');
  const content = input.content === undefined ? undefined : cleanBlock(input.content);
  const category = input.category ?? 'general';
  const targetAudience = cleanLine(input.targetAudience ?? settings.defaultTargetAudience);
  const language = languageOf(settings.language, title, content);

  const draftInput: DraftInput = { title, category, language };
  if (content !== undefined && content !== '') draftInput.content = content;
  if (targetAudience !== '') draftInput.targetAudience = targetAudience;

  let keyword = '';
  if (useCanvas) {
    keyword = cleanLine(input.canvasConfig?.keyword ?? '') || keywordFromTitle(title);
    if (keyword === '') throw new PluginError('REQUEST_REJECTED', 'no canvas keyword: give canvasConfig.keyword, or a title with visible words');
  }
  await ctx.progress(useCanvas ? 'drafting the post and drawing images' : 'drafting the post', { postId, language, category });
  // Two steps at once: the drawing does not wait for the draft.
  const [draft, drawing] = await Promise.all([
    timed(() => ctx.agents.invoke<DraftOutput>('content-generator', 'draft', draftInput)),
    useCanvas
      ? timed(() =>
          drawCandidates(ctx, {
            keyword,
            style: input.canvasConfig?.style ?? settings.defaultStyle,
            count: input.canvasConfig?.imageCount ?? settings.defaultImageCount,
            size: settings.imageSize,
            ...(sketch !== undefined ? { sketch } : {}),
          }),
        )
      : Promise.resolve(undefined),
  ]);
  const timings: Record<string, number> = { draftMs: draft.ms };
  const models = new Set<string>([draft.value.model]);
  let cost = draft.value.cost;
  const createdAt = new Date().toISOString();

  const record: PostRecord = {
    schema: 1,
    postId,
    owner: store.scope.owner,
    current: {
      version: 1,
      title: draft.value.title,
      content: draft.value.content,
      hashtags: draft.value.hashtags,
      summary: draft.value.summary,
      origin: 'draft',
      changes: [],
      createdAt,
    },
    category,
    targetAudience,
    language: draft.value.language,
    images: [],
    canvasData: null,
    metadata: { models: [], cost: 0, timings, category, targetAudience, language: draft.value.language },
    history: [],
    canvasRuns: 0,
    createdAt,
    updatedAt: createdAt,
    appliedBy: [],
  };

  // Images stored by this run go again if the post cannot be saved: nothing would point at them.
  await store.cleanUpOnFailure(store.runPrefix(postId, runTagFor(ctx.executionId)), async () => {
    if (drawing !== undefined) {
      timings.canvasMs = drawing.ms;
      const kept = await keepChosen(ctx, store, record, drawing.value, 1, createdAt);
      Object.assign(timings, kept.timings);
      for (const model of [kept.selection.model, ...kept.run.images.map((i) => i.model)]) models.add(model);
      cost += kept.selection.cost + kept.run.cost;
      record.images = kept.images;
      record.canvasData = canvasDataOf(kept.run);
    }
    timings.totalMs = Date.now() - started;
    record.metadata.models = [...models];
    record.metadata.cost = nanoUsd(cost);
    store.markApplied(record);
    await store.save(record);
  });
  await ctx.progress('saved', { postId, images: record.images.length });
  return store.view(record);
}

/** The preview: one draft, and when illustrated one canvas call and one selection. */
export function estimateCreation(input: CreationInput, ctx: Context<Config>): Estimate {
  const settings = settingsOf(ctx.config);
  const steps: Estimate['steps'] = [
    { agent: 'content-generator', capability: 'draft', model: { task: 'structured', tier: settings.tiers.draft, inputTokens: 700, outputTokens: 1200 } },
  ];
  if (input.useCanvas === true) {
    const [agent, capability] = input.canvasConfig?.sketch !== undefined ? SKETCH_TO_IMAGE : TEXT_TO_IMAGE;
    steps.push({ agent, capability, model: { task: 'image', images: input.canvasConfig?.imageCount ?? settings.defaultImageCount } });
    steps.push({ agent: 'image-selector', capability: 'select', model: { task: 'structured', tier: settings.tiers.select, inputTokens: 900, outputTokens: 250 } });
  }
  return { steps };
}
