/** asset-generator: the assets a concept needs, and sprites for them drawn by canvas. */
import { isCancellation, PluginError, type Context } from '@easel/sdk';
import { assignIds, prioritize, summarize } from '../assets.ts';
import { settings, type GameConfig } from '../config.ts';
import { resolveLanguage } from '../language.ts';
import { ask } from '../model.ts';
import { assetsPrompt, spriteKeywords } from '../prompts/assets.ts';
import { assetsModelSchema, VISUAL_TYPES, type AssetRequirement, type AssetSummary, type AssetType, type Sprite, type SpriteImage } from '../schemas/assets.ts';
import type { Language, Priority, SpriteSize, SpriteStyle } from '../schemas/common.ts';
import { prepare, type WithConcept } from './shared.ts';

export const IMAGE_GENERATOR = 'canvas/image-generator';
/** How many canvas calls one sprite-generation call keeps in flight. */
export const DRAW_CONCURRENCY = 4;

/** Codes that end the whole call: drawing the next asset would fail the same way, or must not happen. */
const FATAL_CODES = new Set(['DEPENDENCY_DISABLED', 'PERMISSION_DENIED', 'BUDGET_EXCEEDED', 'EXECUTION_ABORTED', 'AGENT_CALL_REFUSED']);

/** Whether an error ends the whole call: one of those codes, or the call was cancelled or has ended. */
export const isFatal = (error: unknown): boolean => isCancellation(error) || FATAL_CODES.has(codeOf(error));

export interface AssetAnalysisInput extends WithConcept {
  maxAssets?: number;
}

export interface AssetAnalysisOutput {
  assets: AssetRequirement[];
  summary: AssetSummary;
  language: Language;
  model: string;
  cost: number;
}

export async function assetAnalysis(input: AssetAnalysisInput, ctx: Context<GameConfig>): Promise<AssetAnalysisOutput> {
  const { config, language, concept } = prepare(ctx, input);
  const maxAssets = input.maxAssets ?? config.maxAssets;
  const answer = await ask<{ assets: Omit<AssetRequirement, 'id'>[] }>(ctx, 'asset-analysis', assetsPrompt(concept, maxAssets, language), assetsModelSchema(maxAssets), {
    maxTokens: 3500,
    temperature: 0.5,
  });
  const assets = assignIds(prioritize(answer.value.assets, maxAssets));
  return { assets, summary: summarize(assets), language, model: answer.model, cost: answer.cost };
}

export interface AssetInput {
  id?: string;
  name: string;
  type?: AssetType;
  description?: string;
  priority?: Priority;
  suggestedStyle?: string;
  suggestedSize?: string;
}

export interface SpriteGenerationInput {
  assets: AssetInput[];
  style?: SpriteStyle;
  size?: SpriteSize;
  maxSprites?: number;
  language?: Language;
}

export interface SpriteGenerationOutput {
  sprites: Sprite[];
  generated: number;
  skipped: number;
  failed: number;
  style: SpriteStyle;
  size: SpriteSize;
  cost: number;
  language: Language;
}

interface CanvasOutput {
  images: (SpriteImage & { [key: string]: unknown })[];
  prompt: string;
}

export const REASONS = {
  audio: { en: 'audio: canvas draws images only', ko: '오디오 에셋은 이미지로 그릴 수 없습니다' },
  limit: { en: 'over the sprite limit of this call', ko: '이번 호출의 스프라이트 한도를 넘었습니다' },
} as const;

export function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'PLUGIN_ERROR';
}

export async function spriteGeneration(input: SpriteGenerationInput, ctx: Context<GameConfig>): Promise<SpriteGenerationOutput> {
  const config = settings(ctx.config);
  const language = resolveLanguage(config, input.language, input.assets.map((a) => `${a.name} ${a.description ?? ''}`).join(' '));
  const style = input.style ?? config.spriteStyle;
  const size = input.size ?? config.spriteSize;
  const maxSprites = input.maxSprites ?? config.maxSprites;
  const assets = assignIds(input.assets.map((a) => ({ ...a, type: a.type ?? 'sprite' })));
  const drawable = assets.filter((a) => VISUAL_TYPES.includes(a.type));
  if (drawable.length === 0) throw new PluginError('REQUEST_REJECTED', 'none of the assets is an image (sprite, background or ui): nothing to draw');
  const toDraw = new Set(drawable.slice(0, maxSprites).map((a) => a.id));

  const sprites: Sprite[] = assets.map((a) => {
    const base = { assetId: a.id, name: a.name, type: a.type, keywords: spriteKeywords(a) };
    if (a.type === 'audio') return { ...base, keywords: [], status: 'skipped', reason: REASONS.audio[language] };
    if (!toDraw.has(a.id)) return { ...base, status: 'skipped', reason: REASONS.limit[language] };
    return { ...base, status: 'skipped' };
  });
  const pending = sprites.filter((s) => toDraw.has(s.assetId));
  ctx.log.info('drawing sprites', { assets: assets.length, drawing: pending.length, style, size });

  let firstError: unknown;
  for (let i = 0; i < pending.length; i += DRAW_CONCURRENCY) {
    ctx.signal.throwIfAborted();
    await Promise.all(
      pending.slice(i, i + DRAW_CONCURRENCY).map(async (sprite) => {
        try {
          const out = await ctx.agents.invoke<CanvasOutput>(IMAGE_GENERATOR, 'text-to-image', { keywords: sprite.keywords, style, count: 1, size });
          const image = out.images[0];
          if (!image) throw new Error('canvas answered no image');
          sprite.status = 'generated';
          sprite.image = { url: image.url, blobId: image.blobId, width: image.width, height: image.height, contentType: image.contentType, model: image.model, cost: image.cost };
          sprite.prompt = out.prompt.slice(0, 2000);
        } catch (error) {
          if (isFatal(error)) throw error;
          firstError ??= error;
          sprite.status = 'failed';
          sprite.errorCode = codeOf(error);
          sprite.reason = String((error as Error)?.message ?? error).slice(0, 500);
          ctx.log.warn('a sprite failed', { assetId: sprite.assetId, code: sprite.errorCode });
        }
      }),
    );
  }
  const generated = sprites.filter((s) => s.status === 'generated').length;
  const failed = sprites.filter((s) => s.status === 'failed').length;
  // Every drawing failed: the call failed, with the first error's code.
  if (generated === 0 && failed > 0) throw firstError;
  const cost = sprites.reduce((sum, s) => sum + (s.image?.cost ?? 0), 0);
  return { sprites, generated, skipped: sprites.length - generated - failed, failed, style, size, cost: Math.round(cost * 1e9) / 1e9, language };
}
