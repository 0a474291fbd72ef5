/**
 * Illustrating a post with the canvas plugin: draw candidates (keywords, or a sketch), let
 * the image-selector choose among them, store the chosen images' bytes in this plugin's own
 * storage (canvas's URLs expire and its blobs are canvas's), and describe the run.
 */
import type { Context } from '@easel/sdk';
import type { Category, ImageSize, Style } from './config.ts';
import type { Language } from './language.ts';
import type { SelectInput, SelectOutput } from './image-selector.ts';
import type { PostStore } from './store.ts';
import type { PostRecord } from './types.ts';
import { nanoUsd } from './text.ts';
import type { CanvasData, CanvasImage, CanvasRun, StoredImage } from './types.ts';
import { runTagFor } from './scope.ts';

export const TEXT_TO_IMAGE = ['canvas/image-generator', 'text-to-image'] as const;
export const SKETCH_TO_IMAGE = ['canvas/sketch-enhancer', 'sketch-to-image'] as const;

export interface DrawRequest {
  keyword: string;
  style: Style;
  count: number;
  size: ImageSize;
  sketch?: Uint8Array;
}

/** One image in canvas's answer. */
export interface CanvasOutputImage {
  blobId: string;
  url: string;
  width: number;
  height: number;
  contentType: string;
  model: string;
  cost: number;
}

/** What canvas's text-to-image and sketch-to-image answer with `returnBytes: true`. */
export interface CanvasOutput {
  images: CanvasOutputImage[];
  prompt: string;
  negativePrompt: string;
  bytes?: Uint8Array[];
}

export interface Drawn {
  source: 'text' | 'sketch';
  request: DrawRequest;
  output: CanvasOutput;
  bytes: Uint8Array[];
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b: Uint8Array) => b.length > PNG_SIGNATURE.length && PNG_SIGNATURE.every((x, i) => b[i] === x);

/** The error's code, when it carries one. */
export function codeOf(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Asks canvas for the candidates. A canvas that is disabled or not installed fails the call
 * with DEPENDENCY_DISABLED: the error is rethrown as it came (so the code survives) with a
 * message that says what it means for the post.
 */
export async function drawCandidates(ctx: Context<any>, request: DrawRequest): Promise<Drawn> {
  const source = request.sketch === undefined ? 'text' : 'sketch';
  const [agent, capability] = source === 'text' ? TEXT_TO_IMAGE : SKETCH_TO_IMAGE;
  const input: Record<string, unknown> = { keywords: request.keyword, style: request.style, count: request.count, size: request.size, returnBytes: true };
  if (request.sketch !== undefined) input.sketch = request.sketch;
  let output: CanvasOutput;
  try {
    output = await ctx.agents.invoke<CanvasOutput>(agent, capability, input);
  } catch (err) {
    if (codeOf(err) === 'DEPENDENCY_DISABLED' && err instanceof Error) {
      err.message = `the canvas plugin is not available (disabled, not installed or out of range), so this post cannot have images; create it with useCanvas false, or ask an admin to enable canvas. (${err.message})`;
    }
    throw err;
  }
  return { source, request, output, bytes: bytesOf(output) };
}

/** The images' bytes, one PNG per image, in order: canvas 1.1 answers them when asked (`returnBytes`). */
function bytesOf(output: CanvasOutput): Uint8Array[] {
  const { bytes, images } = output;
  if (!Array.isArray(images) || images.length === 0) throw new Error('canvas answered no images');
  if (!Array.isArray(bytes) || bytes.length !== images.length || !bytes.every((b) => ArrayBuffer.isView(b))) {
    throw new Error(`canvas answered without the images' bytes (${images.length} images); post-creation needs canvas ^1.1.0, which returns them when asked`);
  }
  return (bytes as ArrayBufferView[]).map((view, i) => {
    const b = view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    if (!isPng(b)) throw new Error(`canvas answered image ${i} that is not a PNG`);
    return b;
  });
}

export interface PostText {
  title: string;
  content: string;
  category: Category;
  targetAudience: string;
  language: Language;
}

/** The image-selector step for these candidates. */
export function selectImages(ctx: Context<any>, post: PostText, drawn: Drawn): Promise<SelectOutput> {
  const input: SelectInput = {
    title: post.title,
    content: post.content,
    category: post.category,
    candidates: drawn.output.images.map((image, index) => ({ index, prompt: drawn.output.prompt, style: drawn.request.style, blobId: image.blobId })),
    language: post.language,
  };
  if (post.targetAudience !== '') input.targetAudience = post.targetAudience;
  return ctx.agents.invoke<SelectOutput>('image-selector', 'select', input);
}

/** Stores the chosen images under the post's prefix, in the order of the selection. */
export async function storeChosen(ctx: Context<any>, store: PostStore, postId: string, runTag: string, run: number, drawn: Drawn, selection: SelectOutput): Promise<StoredImage[]> {
  const stored: StoredImage[] = [];
  for (const choice of selection.selected) {
    ctx.signal.throwIfAborted();
    const image = drawn.output.images[choice.index]!;
    const info = await ctx.storage.put(store.imageKey(postId, runTag, choice.index), drawn.bytes[choice.index]!, 'image/png');
    stored.push({ key: info.key, blobId: info.blobId, width: image.width, height: image.height, contentType: info.contentType, reason: choice.reason, run, canvasIndex: choice.index });
  }
  return stored;
}

/** The history entry of one run: every image drawn, chosen or not, and what it cost. */
export function canvasRunOf(ctx: Context<any>, run: number, createdAt: string, drawn: Drawn, selection: SelectOutput): CanvasRun {
  const reasons = new Map<number, { selected: boolean; reason: string }>();
  for (const s of selection.selected) reasons.set(s.index, { selected: true, reason: s.reason });
  for (const r of selection.rejected) if (!reasons.has(r.index)) reasons.set(r.index, { selected: false, reason: r.reason });
  const images: CanvasImage[] = drawn.output.images.map((image, index) => {
    const judged = reasons.get(index);
    const entry: CanvasImage = { index, canvasBlobId: image.blobId, width: image.width, height: image.height, model: image.model, cost: image.cost, selected: judged?.selected === true };
    if (judged !== undefined) entry.reason = judged.reason;
    return entry;
  });
  return {
    run,
    executionId: ctx.executionId,
    createdAt,
    source: drawn.source,
    keyword: drawn.request.keyword,
    prompt: drawn.output.prompt,
    negativePrompt: drawn.output.negativePrompt,
    style: drawn.request.style,
    size: drawn.request.size,
    imageCount: images.length,
    selectedCount: images.filter((i) => i.selected).length,
    cost: nanoUsd(images.reduce((sum, i) => sum + i.cost, 0)),
    images,
  };
}

/** The answer's summary of a run. */
export function canvasDataOf(run: CanvasRun): CanvasData {
  return {
    run: run.run,
    source: run.source,
    prompt: run.prompt,
    negativePrompt: run.negativePrompt,
    style: run.style,
    keyword: run.keyword,
    size: run.size,
    imageCount: run.imageCount,
    selectedCount: run.selectedCount,
    cost: run.cost,
    models: [...new Set(run.images.map((i) => i.model))],
    createdAt: run.createdAt,
  };
}

export interface Kept {
  run: CanvasRun;
  images: StoredImage[];
  selection: SelectOutput;
  timings: { selectMs: number; storeMs: number };
}

/**
 * After the drawing: the selection step, the chosen images stored under this execution's run
 * prefix, and the run recorded in the post's canvas history as run number `runNumber`. The
 * caller puts the images on the record and saves it.
 */
export async function keepChosen(ctx: Context<any>, store: PostStore, record: PostRecord, drawn: Drawn, runNumber: number, createdAt: string): Promise<Kept> {
  await ctx.progress('choosing images', { candidates: drawn.output.images.length });
  const post = { title: record.current.title, content: record.current.content, category: record.category, targetAudience: record.targetAudience, language: record.language };
  let started = Date.now();
  const selection = await selectImages(ctx, post, drawn);
  const selectMs = Date.now() - started;
  started = Date.now();
  const images = await storeChosen(ctx, store, record.postId, runTagFor(ctx.executionId), runNumber, drawn, selection);
  const storeMs = Date.now() - started;
  const run = canvasRunOf(ctx, runNumber, createdAt, drawn, selection);
  await store.addCanvasRun(record, run);
  return { run, images, selection, timings: { selectMs, storeMs } };
}
