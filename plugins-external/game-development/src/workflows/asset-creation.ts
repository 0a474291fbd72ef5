/**
 * asset-creation: the asset list (from asset-analysis when only a concept is given), then
 * sprites for its images through canvas, a few per sprite-generation step so each step stays
 * well inside an agent call's time budget.
 */
import { PluginError, type Context } from '@easel/sdk';
import {
  codeOf,
  DRAW_CONCURRENCY,
  isFatal,
  REASONS,
  type AssetAnalysisOutput,
  type AssetInput,
  type SpriteGenerationOutput,
} from '../agents/asset-generator.ts';
import { assignIds } from '../assets.ts';
import { conceptWords } from '../concept.ts';
import { settings, type GameConfig } from '../config.ts';
import { resolveLanguage } from '../language.ts';
import { VISUAL_TYPES, type AssetType, type Sprite } from '../schemas/assets.ts';
import type { Language, SpriteSize, SpriteStyle } from '../schemas/common.ts';
import type { ConceptInput } from '../schemas/concept.ts';
import { Steps, type StepRecord } from './steps.ts';

export interface AssetCreationInput {
  concept?: ConceptInput;
  assets?: AssetInput[];
  style?: SpriteStyle;
  size?: SpriteSize;
  maxAssets?: number;
  maxSprites?: number;
  language?: Language;
}

export interface AssetCreationOutput {
  assets: (AssetInput & { id: string; type: AssetType })[];
  sprites: Sprite[];
  generated: number;
  failed: number;
  skipped: number;
  agentsUsed: string[];
  steps: StepRecord[];
  totalCost: number;
  durationMs: number;
  language: Language;
}

export async function assetCreation(input: AssetCreationInput, ctx: Context<GameConfig>): Promise<AssetCreationOutput> {
  const config = settings(ctx.config);
  const words = input.concept ? conceptWords(input.concept) : (input.assets ?? []).map((a) => `${a.name} ${a.description ?? ''}`).join(' ');
  const language = resolveLanguage(config, input.language, words);
  const steps = new Steps(ctx);
  const style = input.style ?? config.spriteStyle;
  const size = input.size ?? config.spriteSize;
  const maxSprites = input.maxSprites ?? config.maxSprites;

  let listed: AssetInput[];
  if (input.assets && input.assets.length > 0) {
    listed = input.assets;
  } else if (input.concept) {
    await ctx.progress('analysis: listing the assets the game needs', { phase: 'analysis' });
    const analysis = await steps.run<AssetAnalysisOutput>('asset-generator', 'asset-analysis', {
      concept: input.concept,
      language,
      ...(input.maxAssets !== undefined ? { maxAssets: input.maxAssets } : {}),
    });
    listed = analysis.assets;
  } else {
    throw new PluginError('REQUEST_REJECTED', 'give a concept or a list of assets');
  }
  const assets = assignIds(listed.map((a) => ({ ...a, type: a.type ?? 'sprite' })));
  const visual = assets.filter((a) => VISUAL_TYPES.includes(a.type));
  if (visual.length === 0) throw new PluginError('REQUEST_REJECTED', 'none of the assets is an image (sprite, background or ui): nothing to draw');
  const toDraw = visual.slice(0, maxSprites);

  const sprites: Sprite[] = [];
  let firstError: unknown;
  for (let i = 0; i < toDraw.length; i += DRAW_CONCURRENCY) {
    const batch = toDraw.slice(i, i + DRAW_CONCURRENCY);
    await ctx.progress(`sprites: drawing ${i + 1}-${i + batch.length} of ${toDraw.length}`, { phase: 'sprites', from: i + 1, to: i + batch.length, of: toDraw.length });
    try {
      const drawn = await steps.run<SpriteGenerationOutput>('asset-generator', 'sprite-generation', { assets: batch, style, size, maxSprites: batch.length, language });
      sprites.push(...drawn.sprites);
    } catch (error) {
      // A batch whose every drawing failed: record it and go on; a fatal code ends the run.
      if (isFatal(error)) throw error;
      firstError ??= error;
      const reason = String((error as Error)?.message ?? error).slice(0, 500);
      sprites.push(...batch.map((a): Sprite => ({ assetId: a.id, name: a.name, type: a.type, status: 'failed', keywords: [], reason, errorCode: codeOf(error) })));
    }
  }
  const drawnIds = new Set(toDraw.map((a) => a.id));
  for (const a of assets) {
    if (drawnIds.has(a.id)) continue;
    sprites.push({ assetId: a.id, name: a.name, type: a.type, status: 'skipped', keywords: [], reason: (a.type === 'audio' ? REASONS.audio : REASONS.limit)[language] });
  }
  const generated = sprites.filter((s) => s.status === 'generated').length;
  const failed = sprites.filter((s) => s.status === 'failed').length;
  // Nothing drawn at all: the run failed, with the first batch's error and its code.
  if (generated === 0) throw firstError;
  const result: AssetCreationOutput = {
    assets,
    sprites,
    generated,
    failed,
    skipped: sprites.length - generated - failed,
    // sprite-generation called canvas for the drawings.
    agentsUsed: [...steps.agentsUsed, 'canvas/image-generator'],
    steps: steps.records,
    totalCost: steps.totalCost,
    durationMs: steps.durationMs,
    language,
  };
  await ctx.progress('done', { phase: 'done', generated, failed, totalCost: result.totalCost });
  return result;
}
