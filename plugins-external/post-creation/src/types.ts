/** What this plugin keeps about a post, and what it answers about one. */
import type { Category, ImageSize, Style } from './config.ts';
import type { Language } from './language.ts';
import type { EnhancementType } from './prompts.ts';
import type { Owner } from './scope.ts';

/** How a version of the text came about. */
export type Origin = 'draft' | EnhancementType;

/** One version of a post's text. */
export interface TextVersion {
  version: number;
  title: string;
  content: string;
  hashtags: string[];
  summary: string;
  origin: Origin;
  /** The requirements the enhancement was given, when it was. */
  requirements?: string;
  /** What the enhancement changed (empty for the draft). */
  changes: string[];
  createdAt: string;
}

/** An image the post shows, stored in this plugin's storage. */
export interface StoredImage {
  /** The storage key (never answered: URLs are made fresh on every read). */
  key: string;
  blobId: string;
  width: number;
  height: number;
  contentType: string;
  reason?: string;
  /** Which canvas run drew it, and its place in that run. */
  run: number;
  canvasIndex: number;
}

/** One image a canvas run drew, chosen or not. */
export interface CanvasImage {
  index: number;
  /** Canvas's blob id (canvas's storage, not this plugin's). */
  canvasBlobId: string;
  width: number;
  height: number;
  model: string;
  cost: number;
  selected: boolean;
  reason?: string;
}

/** One canvas run made for a post. */
export interface CanvasRun {
  run: number;
  executionId: string;
  createdAt: string;
  source: 'text' | 'sketch';
  keyword: string;
  prompt: string;
  negativePrompt: string;
  style: Style;
  size: ImageSize;
  imageCount: number;
  selectedCount: number;
  /** USD: the images' cost as canvas reported it. */
  cost: number;
  images: CanvasImage[];
}

/** The answer's summary of the latest canvas run. */
export interface CanvasData {
  run: number;
  source: 'text' | 'sketch';
  prompt: string;
  negativePrompt: string;
  style: Style;
  keyword: string;
  size: ImageSize;
  imageCount: number;
  selectedCount: number;
  cost: number;
  models: string[];
  createdAt: string;
}

export interface Metadata {
  /** Every model id that worked on the post (drafting, editing, selecting, drawing). */
  models: string[];
  /** USD over the post's life, as the steps reported it (the host's execution costs are the authority). */
  cost: number;
  /** Milliseconds of the creating run's phases. */
  timings: Record<string, number>;
  category: Category;
  targetAudience: string;
  language: Language;
}

/** The kv record of a post. */
export interface PostRecord {
  schema: 1;
  postId: string;
  owner: Owner;
  current: TextVersion;
  category: Category;
  targetAudience: string;
  language: Language;
  images: StoredImage[];
  canvasData: CanvasData | null;
  metadata: Metadata;
  /** Numbers of the earlier versions kept under the post's history keys, oldest first. */
  history: number[];
  /** How many canvas runs were recorded. */
  canvasRuns: number;
  createdAt: string;
  updatedAt: string;
  /** The executions that changed the post, newest last (at most a few): a rerun of one changes nothing. */
  appliedBy: string[];
}

/** An image as answered. */
export interface ImageView {
  blobId: string;
  url: string;
  width: number;
  height: number;
  contentType: string;
  reason?: string;
  run: number;
}

/** A post as every capability and workflow answers it. */
export interface PostView {
  postId: string;
  title: string;
  content: string;
  hashtags: string[];
  summary: string;
  version: number;
  origin: Origin;
  changes: string[];
  requirements?: string;
  category: Category;
  targetAudience: string;
  language: Language;
  images: ImageView[];
  canvasData: CanvasData | null;
  metadata: Metadata;
  /** Earlier versions, newest first. */
  history: TextVersion[];
  createdAt: string;
  updatedAt: string;
}
