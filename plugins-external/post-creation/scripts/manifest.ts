/**
 * Builds plugin.json. The post's shape appears in five answers and the style, category and
 * limits in many inputs, so the manifest is written from one set of schema pieces, and the
 * enums and limits come from the source the handlers use. `node scripts/manifest.ts` writes
 * plugin.json; test/manifest.test.ts fails when the committed file and this script disagree.
 */
import { CATEGORIES, DEFAULTS, IMAGE_SIZES, STYLES } from '../src/config.ts';
import {
  ENHANCEMENT_TYPES,
  MAX_CHANGE_CHARS,
  MAX_CHANGES,
  MAX_CONTENT_CHARS,
  MAX_REASON_CHARS,
  MAX_SUMMARY_CHARS,
  MAX_TITLE_CHARS,
} from '../src/prompts.ts';
import { MAX_HASHTAG_CHARS, MAX_HASHTAGS, MAX_KEYWORD_CHARS } from '../src/text.ts';

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const int = (description: string, minimum: number, maximum?: number, extra: Schema = {}): Schema => ({
  type: 'integer',
  description,
  minimum,
  ...(maximum !== undefined ? { maximum } : {}),
  ...extra,
});
const usd = (description: string): Schema => ({ type: 'number', minimum: 0, description });
const list = (items: Schema, description: string, extra: Schema = {}): Schema => ({ type: 'array', description, items, ...extra });
/** An object whose every property is required unless named in `optional`. */
const obj = (properties: Record<string, Schema>, optional: string[] = [], extra: Schema = {}): Schema => ({
  type: 'object',
  ...extra,
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  additionalProperties: false,
  properties,
});
/** An input object: only the named properties are required. */
const input = (properties: Record<string, Schema>, required: string[], extra: Schema = {}): Schema => ({
  type: 'object',
  ...extra,
  ...(required.length > 0 ? { required } : {}),
  additionalProperties: false,
  properties,
});

const VISIBLE = '\\S';
const postId = str('The post id, as the create answer gave it', { minLength: 1, maxLength: 80, pattern: '^[A-Za-z0-9_-]+$' });
const title = (description: string) => str(description, { minLength: 1, maxLength: MAX_TITLE_CHARS, pattern: VISIBLE });
const content = (description: string, minLength = 0) => str(description, { minLength, maxLength: MAX_CONTENT_CHARS });
const style = (description: string): Schema => ({ description, enum: [...STYLES] });
const category: Schema = { description: 'What kind of post: shapes how it is written', enum: [...CATEGORIES], default: 'general' };
const audience = str('Who the post is for, in a few words (e.g. "high-school students preparing for exams")', { maxLength: 200 });
const language: Schema = { description: 'ko or en: the language written in', enum: ['ko', 'en'] };
const hashtag = str('A hashtag, starting with #', { minLength: 2, maxLength: MAX_HASHTAG_CHARS + 1, pattern: '^#' });
const hashtags = list(hashtag, 'Hashtags, each starting with #', { maxItems: MAX_HASHTAGS });
const changes = list(str('One change, in the post\'s language', { minLength: 1, maxLength: MAX_CHANGE_CHARS }), 'What was changed; empty when nothing needed changing', { maxItems: MAX_CHANGES });
const enhancementType: Schema = {
  description: 'grammar: corrections only; tone: a rewrite in another tone; length: shorter or longer; hashtags: new hashtags, text unchanged',
  enum: [...ENHANCEMENT_TYPES],
};
const requirements = str('Free-text wishes for the change, e.g. "more formal" or "under 100 words"', { maxLength: 1000 });
const model = str('The catalog id of the model that answered');
const timestamp = str('ISO 8601 time', { minLength: 1 });
const sketch = str('A PNG or JPEG drawing to illustrate from (base64 or a data: URL in JSON, or a file in a multipart form)', {
  contentEncoding: 'base64',
  contentMediaType: 'image/*',
  maxLength: 1400000,
});
const keyword = str('What to draw (Korean is translated by canvas); default: the post\'s title', { minLength: 1, maxLength: MAX_KEYWORD_CHARS, pattern: VISIBLE });
const imageCount = int('How many candidate images canvas draws (the image-selector keeps those that fit); default from the config', 1, 4);

const textVersion = obj(
  {
    version: int('1 for the draft, then one more per enhancement', 1),
    title: str('The title'),
    content: str('The body'),
    hashtags,
    summary: str('One sentence'),
    origin: { description: 'How this version came about', enum: ['draft', ...ENHANCEMENT_TYPES] },
    requirements: str('The requirements the enhancement was given'),
    changes,
    createdAt: timestamp,
  },
  ['requirements'],
);

const imageView = obj(
  {
    blobId: str("This plugin's blob id of the image (GET /v1/blobs/:blobId)"),
    url: str('A host URL that serves the image without a key until it expires (a fresh one on every read)'),
    width: int('Pixels', 1),
    height: int('Pixels', 1),
    contentType: str('image/png'),
    reason: str('Why the image-selector chose it'),
    run: int('The canvas run that drew it', 1),
  },
  ['reason'],
);

const canvasData: Schema = {
  description: 'The latest canvas run, or null for a text-only post',
  anyOf: [
    { type: 'null' },
    obj({
      run: int('Which canvas run of the post (1 for the first)', 1),
      source: { description: 'text: drawn from the keyword; sketch: from the uploaded sketch', enum: ['text', 'sketch'] },
      prompt: str('The prompt canvas sent to the image model'),
      negativePrompt: str('The negative prompt canvas sent'),
      style: style('The style drawn in'),
      keyword: str('The keyword canvas drew from'),
      size: { description: 'Width x height', enum: [...IMAGE_SIZES] },
      imageCount: int('Candidates drawn', 1),
      selectedCount: int('Candidates kept', 0),
      cost: usd('USD canvas reported for the images of this run'),
      models: list(str('Model id'), 'The image models that drew'),
      createdAt: timestamp,
    }),
  ],
};

const metadata = obj({
  models: list(str('Model id'), 'Every model that worked on the post'),
  cost: usd("USD over the post's life as the steps reported it (the host's execution costUsd is the authority)"),
  timings: { type: 'object', description: 'Milliseconds of the creating run: draftMs, canvasMs, selectMs, storeMs, totalMs', additionalProperties: { type: 'number', minimum: 0 } },
  category: { enum: [...CATEGORIES] },
  targetAudience: str('Who the post is for; empty for the community at large'),
  language,
});

const postView = obj(
  {
    postId,
    title: str('The current title'),
    content: str('The current body'),
    hashtags,
    summary: str('One sentence about the post'),
    version: int('The current version', 1),
    origin: { description: 'How the current version came about', enum: ['draft', ...ENHANCEMENT_TYPES] },
    changes,
    requirements: str("The current version's enhancement requirements"),
    category: { enum: [...CATEGORIES] },
    targetAudience: str('Who the post is for; empty for the community at large'),
    language,
    images: list(imageView, 'The images the post shows', { maxItems: 4 }),
    canvasData,
    metadata,
    history: list(textVersion, 'Earlier versions, newest first (the last 10)', { maxItems: 10 }),
    createdAt: timestamp,
    updatedAt: timestamp,
  },
  ['requirements'],
  { description: 'A post' },
);

const canvasImage = obj(
  {
    index: int('Place in the run', 0),
    canvasBlobId: str("Canvas's blob id (canvas's storage)"),
    width: int('Pixels', 1),
    height: int('Pixels', 1),
    model: str('The image model'),
    cost: usd('USD'),
    selected: { type: 'boolean', description: 'Whether the post shows it' },
    reason: str("The image-selector's reason"),
  },
  ['reason'],
);

const canvasRun = obj({
  run: int('1 for the first run of the post', 1),
  executionId: str('The execution that made the run'),
  createdAt: timestamp,
  source: { enum: ['text', 'sketch'] },
  keyword: str('The keyword drawn from'),
  prompt: str('The prompt sent to the image model'),
  negativePrompt: str('The negative prompt'),
  style: style('The style'),
  size: { enum: [...IMAGE_SIZES] },
  imageCount: int('Candidates drawn', 1),
  selectedCount: int('Candidates kept', 0),
  cost: usd('USD for the images'),
  images: list(canvasImage, 'Every candidate, chosen or not', { minItems: 1, maxItems: 4 }),
});

const choice = obj({ index: int('The candidate\'s index', 0), reason: str('Why', { minLength: 1, maxLength: MAX_REASON_CHARS }), blobId: str('The candidate\'s blobId, when it was given') }, ['blobId']);

const postIdInput = input({ postId }, ['postId']);

export function buildManifest(): Schema {
  return {
    $schema: '../../plugin.schema.json',
    name: 'post-creation',
    version: '1.0.0',
    description: 'Community posts drafted by AI in Korean or English, illustrated with canvas images, kept per app and user and enhanced version by version',
    author: 'Easel team',
    license: 'Apache-2.0',
    engines: { easel: '^1.1.0' },
    dependencies: { canvas: '^1.1.0' },
    permissions: {
      kv: true,
      storage: { read: true, write: true },
      models: { tasks: ['structured'], maxTier: 'standard' },
      agents: ['canvas/image-generator', 'canvas/sketch-enhancer'],
    },
    limits: { memoryMb: 128, timeoutMs: 90000, cpuMs: 5000 },
    config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        defaultStyle: { description: 'The canvas style when a post does not name one', enum: [...STYLES], default: DEFAULTS.defaultStyle },
        defaultImageCount: { description: 'Candidate images per canvas run when a post does not say', type: 'integer', minimum: 1, maximum: 4, default: DEFAULTS.defaultImageCount },
        defaultTargetAudience: { description: 'The audience when a post does not name one; empty: the community at large', type: 'string', maxLength: 200, default: DEFAULTS.defaultTargetAudience },
        language: { description: 'auto: Korean when the title or content has Hangul, else English; ko or en: always that language', enum: ['auto', 'ko', 'en'], default: DEFAULTS.language },
        imageSize: { description: 'The size canvas draws at', enum: [...IMAGE_SIZES], default: DEFAULTS.imageSize },
        tiers: {
          description: 'The lowest model tier for each job (the plugin may use at most standard)',
          type: 'object',
          additionalProperties: false,
          properties: {
            draft: { description: 'Drafting a post', enum: ['basic', 'standard'], default: DEFAULTS.tiers.draft },
            enhance: { description: 'Grammar, tone and length edits', enum: ['basic', 'standard'], default: DEFAULTS.tiers.enhance },
            hashtags: { description: 'Hashtag suggestions', enum: ['basic', 'standard'], default: DEFAULTS.tiers.hashtags },
            select: { description: 'Choosing images', enum: ['basic', 'standard'], default: DEFAULTS.tiers.select },
          },
          default: { ...DEFAULTS.tiers },
        },
      },
    },
    agents: [
      {
        type: 'content-generator',
        description: 'Writes and edits community posts in Korean or English',
        capabilities: [
          {
            name: 'draft',
            description: 'A finished title, body, hashtags and summary from a title and optional notes, for an audience and a category (standard tier)',
            input: input(
              {
                title: title("The author's title or topic"),
                content: content("The author's notes or draft body, kept and developed"),
                targetAudience: audience,
                category,
                language: { ...language, description: 'Forces the language; default: the config, else Korean when the title or content has Hangul' },
              },
              ['title'],
            ),
            output: obj({
              title: str('The drafted title', { minLength: 1, maxLength: MAX_TITLE_CHARS }),
              content: str('The drafted body', { minLength: 1, maxLength: MAX_CONTENT_CHARS }),
              hashtags,
              summary: str('One sentence', { maxLength: MAX_SUMMARY_CHARS }),
              language,
              model,
              cost: usd('USD of the model call'),
            }),
          },
          {
            name: 'enhance',
            description: 'One edit of a post: grammar, tone or length (standard tier), or hashtag suggestions (basic tier, fast)',
            input: input(
              {
                title: title('The current title'),
                content: content('The current body', 1),
                type: enhancementType,
                requirements,
                hashtags: { ...hashtags, description: 'The current hashtags (for a hashtags enhancement)' },
                language: { ...language, description: "Forces the language; default: the config, else detected from the post" },
              },
              ['title', 'content', 'type'],
            ),
            output: obj(
              {
                type: enhancementType,
                title: str('The enhanced title (unchanged for hashtags)', { minLength: 1, maxLength: MAX_TITLE_CHARS }),
                content: str('The enhanced body (unchanged for hashtags)', { minLength: 1, maxLength: MAX_CONTENT_CHARS }),
                hashtags: { ...hashtags, description: 'The new hashtags (hashtags enhancements only)' },
                changes,
                language,
                model,
                cost: usd('USD of the model call'),
              },
              ['hashtags'],
            ),
          },
        ],
      },
      {
        type: 'image-selector',
        description: 'Chooses which candidate images fit a post, judging from how each was described to the image model (it cannot see images)',
        capabilities: [
          {
            name: 'select',
            description: 'Selected and rejected candidates with a reason each; at least one is selected (basic tier, fast)',
            input: input(
              {
                title: title("The post's title"),
                content: content("The post's body"),
                category: { description: category.description, enum: [...CATEGORIES] },
                targetAudience: audience,
                candidates: list(
                  input(
                    {
                      index: int('Any number that names the candidate; unique', 0, 99),
                      prompt: str('The prompt the image was drawn from', { minLength: 1, maxLength: 1024, pattern: VISIBLE }),
                      style: style('The style it was drawn in'),
                      blobId: str('Echoed back, never shown to the model', { maxLength: 200 }),
                    },
                    ['index', 'prompt', 'style'],
                  ),
                  'The images to choose from',
                  { minItems: 1, maxItems: 8 },
                ),
                maxSelected: int('Select at most this many (default: any number)', 1, 8),
                language: { ...language, description: 'The language of the reasons; default: the config, else detected from the post' },
              },
              ['title', 'content', 'candidates'],
            ),
            output: obj({
              selected: list(choice, 'The candidates that fit, in candidate order', { minItems: 1, maxItems: 8 }),
              rejected: list(choice, 'The others', { maxItems: 8 }),
              language,
              model,
              cost: usd('USD of the model call'),
            }),
          },
        ],
      },
      {
        type: 'post-store',
        description: "The caller's posts: read, canvas history, delete. A post of another app or user is not found.",
        capabilities: [
          { name: 'get', description: 'The post, with fresh image URLs and its earlier versions', input: postIdInput, output: postView },
          {
            name: 'canvas-history',
            description: 'Every canvas run made for the post, oldest first: prompt, style, every candidate image, what was chosen and why, cost',
            input: postIdInput,
            output: obj({ postId, runs: list(canvasRun, 'The runs, oldest first', { maxItems: 20 }), totalCost: usd('USD of every run') }),
          },
          {
            name: 'delete',
            description: 'Removes the post, its history, its canvas runs and its stored images; answers what was removed',
            input: postIdInput,
            output: obj({
              deleted: { const: true },
              postId,
              title: str('The title it had'),
              storageObjects: list(obj({ key: str('Storage key'), blobId: str('Blob id') }), 'The stored images deleted'),
              historyVersions: int('Earlier versions deleted', 0),
              canvasRuns: int('Canvas runs deleted', 0),
            }),
          },
        ],
      },
    ],
    workflows: [
      {
        type: 'post-creation',
        description: 'Drafts a post (and, with useCanvas, draws candidate images in parallel, lets the image-selector choose and stores the chosen ones), then keeps it for the caller',
        input: input(
          {
            title: title('The title or topic of the post'),
            content: content('Your notes or draft body (optional): kept and developed'),
            useCanvas: { type: 'boolean', description: 'Illustrate the post with canvas images', default: false },
            canvasConfig: input(
              {
                keyword,
                sketch,
                style: { ...style('The look of the images'), default: DEFAULTS.defaultStyle },
                imageCount: { ...imageCount, default: DEFAULTS.defaultImageCount },
              },
              [],
              { description: 'How to illustrate (needs useCanvas). In a multipart form, canvasConfig.<field> parts fill it (canvasConfig.sketch as a file)' },
            ),
            targetAudience: audience,
            category,
          },
          ['title'],
        ),
        output: postView,
      },
      {
        type: 'post-enhancement',
        description: "Enhances the caller's post (grammar, tone, length or hashtags) as a new version; the previous version stays in its history",
        input: input({ postId, type: enhancementType, requirements }, ['postId', 'type']),
        output: postView,
      },
      {
        type: 'post-illustration',
        description: "A new canvas run for the caller's post: the chosen images replace its images, and the run joins its canvas history",
        input: input(
          { postId, keyword, style: style('The look of the images; default from the config'), imageCount, sketch },
          ['postId'],
        ),
        output: postView,
      },
    ],
    routes: [
      { method: 'POST', path: '/posts', workflow: 'post-creation', description: 'Create a post (JSON body, or a multipart form with a canvasConfig.sketch file)' },
      { method: 'GET', path: '/posts/:postId', agent: 'post-store', capability: 'get', description: 'A post' },
      { method: 'POST', path: '/posts/:postId/enhance', workflow: 'post-enhancement', description: 'Enhance a post as a new version' },
      { method: 'POST', path: '/posts/:postId/images', workflow: 'post-illustration', description: 'Draw new images for a post (JSON body, or a multipart form with a sketch file)' },
      { method: 'GET', path: '/posts/:postId/canvas-history', agent: 'post-store', capability: 'canvas-history', description: "A post's canvas runs" },
      { method: 'DELETE', path: '/posts/:postId', agent: 'post-store', capability: 'delete', description: 'Delete a post and its images' },
    ],
    keywords: ['posts', 'community', 'korean', 'canvas', 'hashtags'],
  };
}

/** plugin.json's text: two-space JSON and a final newline. */
export function manifestText(): string {
  return `${JSON.stringify(buildManifest(), null, 2)}\n`;
}

if (import.meta.main) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(new URL('../plugin.json', import.meta.url), manifestText());
}
