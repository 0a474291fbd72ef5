/**
 * Reading an image-generation body for Titan Image Generator (v1, v2) and Nova Canvas
 * (reference §4.7): TEXT_IMAGE and IMAGE_VARIATION, with the limits Bedrock enforces.
 */
import { PNG } from 'pngjs';
import { invalid } from './errors.ts';
import type { ResolvedModel } from './model-ids.ts';

export type ImageTask = 'TEXT_IMAGE' | 'IMAGE_VARIATION';

/** An input image: decoded pixels for PNG; for JPEG only its bytes (no decoder at hand). */
export type SourceImage = { kind: 'png'; png: PNG; bytes: Buffer } | { kind: 'jpeg'; bytes: Buffer };

export interface ImageRequest {
  taskType: ImageTask;
  /** The prompt; '' for a variation without text. */
  text: string;
  negativeText: string;
  numberOfImages: number;
  width: number;
  height: number;
  quality: 'standard' | 'premium';
  seed: number;
  sources: SourceImage[];
}

type Json = Record<string, unknown>;

const OTHER_TASKS = new Set(['INPAINTING', 'OUTPAINTING', 'BACKGROUND_REMOVAL', 'COLOR_GUIDED_GENERATION', 'IMAGE_CONDITIONING', 'VIRTUAL_TRY_ON']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalText(value: unknown, field: string, limit: number): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw invalid(`${field} must be a string.`);
  if (value.length > limit) throw invalid(`${field} must be at most ${limit} characters.`);
  return value;
}

function intIn(value: unknown, fallback: number, field: string, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw invalid(`${field} must be an integer from ${min} to ${max}.`);
  }
  return value as number;
}

function side(value: unknown, field: string): number {
  const n = intIn(value, 1024, field, 256, 2048);
  if (n % 64 !== 0) throw invalid(`${field} must be a multiple of 64.`);
  return n;
}

const MAX_INPUT_PIXELS = 4_194_304;

function decodeImage(value: unknown, i: number): SourceImage {
  const field = `imageVariationParams.images.${i}`;
  if (typeof value !== 'string' || value === '' || !BASE64.test(value)) throw invalid(`${field} must be a base64 string.`);
  const bytes = Buffer.from(value, 'base64');
  if (bytes.subarray(0, 3).equals(JPEG_MAGIC)) return { kind: 'jpeg', bytes };
  if (bytes.subarray(0, 8).equals(PNG_MAGIC)) {
    // Read the size from the header before inflating: a few KB can claim gigabytes of pixels,
    // and the emulator may run inside the host. Nova Canvas takes inputs up to 4.19 MP.
    if (bytes.length < 24 || bytes.readUInt32BE(16) * bytes.readUInt32BE(20) > MAX_INPUT_PIXELS) throw invalid(`${field} is larger than ${MAX_INPUT_PIXELS} pixels.`);
    try {
      return { kind: 'png', png: PNG.sync.read(bytes), bytes };
    } catch {
      // fall through to the refusal below
    }
  }
  throw invalid(`${field} is not a PNG or JPEG image.`);
}

function readConfig(config: unknown): Pick<ImageRequest, 'numberOfImages' | 'width' | 'height' | 'quality' | 'seed'> {
  if (config !== undefined && !isObject(config)) throw invalid('imageGenerationConfig must be an object.');
  const c: Json = config ?? {};
  const quality = c.quality ?? 'standard';
  if (quality !== 'standard' && quality !== 'premium') throw invalid('imageGenerationConfig.quality must be standard or premium.');
  if (c.cfgScale !== undefined && (typeof c.cfgScale !== 'number' || c.cfgScale < 1.1 || c.cfgScale > 10)) {
    throw invalid('imageGenerationConfig.cfgScale must be a number from 1.1 to 10.');
  }
  return {
    numberOfImages: intIn(c.numberOfImages, 1, 'imageGenerationConfig.numberOfImages', 1, 5),
    width: side(c.width, 'imageGenerationConfig.width'),
    height: side(c.height, 'imageGenerationConfig.height'),
    quality,
    seed: intIn(c.seed, 0, 'imageGenerationConfig.seed', 0, 2147483646),
  };
}

export function readImageRequest(body: Json, model: ResolvedModel): ImageRequest {
  const limit = model.baseId.startsWith('amazon.nova-canvas') ? 1024 : 512;
  const { taskType } = body;
  if (typeof taskType === 'string' && OTHER_TASKS.has(taskType)) {
    throw invalid(`taskType ${taskType} is not supported by the emulator.`);
  }
  if (taskType === 'TEXT_IMAGE') {
    const params = body.textToImageParams;
    if (!isObject(params)) throw invalid('textToImageParams is required for TEXT_IMAGE.');
    const text = optionalText(params.text, 'textToImageParams.text', limit);
    if (text.trim() === '') throw invalid('textToImageParams.text must not be empty.');
    const negativeText = optionalText(params.negativeText, 'textToImageParams.negativeText', limit);
    return { taskType, text, negativeText, sources: [], ...readConfig(body.imageGenerationConfig) };
  }
  if (taskType === 'IMAGE_VARIATION') {
    const params = body.imageVariationParams;
    if (!isObject(params)) throw invalid('imageVariationParams is required for IMAGE_VARIATION.');
    const text = optionalText(params.text, 'imageVariationParams.text', limit);
    const negativeText = optionalText(params.negativeText, 'imageVariationParams.negativeText', limit);
    const { images } = params;
    if (!Array.isArray(images) || images.length < 1 || images.length > 5) {
      throw invalid('imageVariationParams.images must hold 1 to 5 images.');
    }
    const strength = params.similarityStrength;
    if (strength !== undefined && (typeof strength !== 'number' || strength < 0.2 || strength > 1)) {
      throw invalid('imageVariationParams.similarityStrength must be a number from 0.2 to 1.');
    }
    const sources = images.map(decodeImage);
    return { taskType, text, negativeText, sources, ...readConfig(body.imageGenerationConfig) };
  }
  throw invalid('taskType must be TEXT_IMAGE or IMAGE_VARIATION.');
}
