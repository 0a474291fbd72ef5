/** asset-generator's shapes: the asset requirements list and the drawn sprites. */
import { int, list, obj, oneOf, PRIORITIES, str, type Priority, type Schema } from './common.ts';

export const ASSET_TYPES = ['sprite', 'background', 'ui', 'audio'] as const;
export type AssetType = (typeof ASSET_TYPES)[number];
/** Types canvas can draw. */
export const VISUAL_TYPES: readonly AssetType[] = ['sprite', 'background', 'ui'];

export const MAX_ASSETS = 40;

export interface AssetRequirement {
  id: string;
  name: string;
  type: AssetType;
  description: string;
  priority: Priority;
  suggestedStyle: string;
  suggestedSize: string;
}

export interface AssetSummary {
  total: number;
  byType: Record<AssetType, number>;
  byPriority: Record<Priority, number>;
}

const assetFields = {
  name: str(80),
  type: oneOf(ASSET_TYPES),
  description: str(400, 'What it shows or sounds like, concrete enough to draw or record'),
  priority: oneOf(PRIORITIES, 'high: needed for a first playable build'),
  suggestedStyle: str(150),
  suggestedSize: str(40, 'Pixels as WIDTHxHEIGHT for images (e.g. 64x64), a length for audio (e.g. 30s loop)'),
};

export function assetsModelSchema(maxAssets: number): Schema {
  return obj({ assets: list(obj(assetFields), 1, maxAssets) });
}

export const assetSchema: Schema = obj({
  id: { type: 'string', minLength: 1, maxLength: 60, pattern: '^[a-z0-9][a-z0-9-]*$', description: 'Unique in the list, made from the name' },
  ...assetFields,
});

/** An asset an app hands in: a name at least. */
export const assetInputSchema: Schema = obj({ ...(assetSchema as { properties: Record<string, Schema> }).properties }, ['name']);

const counts = (keys: readonly string[]) => obj(Object.fromEntries(keys.map((k) => [k, int(0, MAX_ASSETS)])));

export const assetSummarySchema: Schema = obj({ total: int(0, MAX_ASSETS), byType: counts(ASSET_TYPES), byPriority: counts(PRIORITIES) });

export const SPRITE_STATUSES = ['generated', 'skipped', 'failed'] as const;
export type SpriteStatus = (typeof SPRITE_STATUSES)[number];

export interface SpriteImage {
  url: string;
  blobId: string;
  width: number;
  height: number;
  contentType: string;
  model: string;
  cost: number;
}

export interface Sprite {
  assetId: string;
  name: string;
  type: AssetType;
  status: SpriteStatus;
  keywords: string[];
  image?: SpriteImage;
  prompt?: string;
  reason?: string;
  errorCode?: string;
}

export const spriteSchema: Schema = obj(
  {
    assetId: { type: 'string', maxLength: 60 },
    name: str(80),
    type: oneOf(ASSET_TYPES),
    status: oneOf(SPRITE_STATUSES),
    keywords: list({ type: 'string', maxLength: 100 }, 0, 8, 'What canvas was asked to draw'),
    image: obj({
      url: { type: 'string', maxLength: 2000, description: 'A host URL that serves the image until it expires' },
      blobId: { type: 'string', maxLength: 200, description: 'canvas\'s blob id: GET /v1/blobs/:blobId' },
      width: int(1, 4096),
      height: int(1, 4096),
      contentType: { type: 'string', maxLength: 100 },
      model: { type: 'string', maxLength: 200 },
      cost: { type: 'number', minimum: 0 },
    }),
    prompt: { type: 'string', maxLength: 2000, description: 'The prompt canvas sent to the image model' },
    reason: { type: 'string', maxLength: 500, description: 'Why it was skipped or failed' },
    errorCode: { type: 'string', maxLength: 60 },
  },
  ['assetId', 'name', 'type', 'status', 'keywords'],
);
