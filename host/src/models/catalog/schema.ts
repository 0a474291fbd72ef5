/** JSON Schemas of the catalog file and of the operator's overrides file. */

const tier = { enum: ['basic', 'standard', 'premium'] };
const money = { type: 'number', minimum: 0 };
const positive = { type: 'integer', minimum: 1 };

const prices = {
  type: 'object',
  additionalProperties: false,
  properties: {
    inputPer1k: money,
    outputPer1k: money,
    images: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['maxPixels', 'standard', 'premium'],
        properties: { maxPixels: positive, standard: money, premium: money },
      },
    },
  },
};

const quotas = { type: 'object', additionalProperties: false, required: ['rpm', 'tpm'], properties: { rpm: positive, tpm: positive } };

const modelFields = {
  id: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:/-]+$' },
  name: { type: 'string', minLength: 1 },
  provider: { type: 'string', minLength: 1 },
  tasks: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['text', 'structured', 'image', 'embedding'] } },
  tier,
  quality: { type: 'number', minimum: 1, maximum: 100 },
  latency: { enum: ['fast', 'standard', 'slow'] },
  residency: { enum: ['in-region', 'apac', 'global'] },
  available: { type: 'boolean' },
  unavailableReason: { type: 'string' },
  contextWindow: positive,
  maxOutputTokens: positive,
  prices,
  quotas,
  imageSizes: { type: 'array', items: { type: 'string', pattern: '^[0-9]+x[0-9]+$' } },
  dimensions: { type: 'array', minItems: 1, items: positive },
  notes: { type: 'string' },
};

export const CATALOG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['region', 'currency', 'verifiedAt', 'sources', 'models'],
  properties: {
    $comment: { type: 'string' },
    region: { type: 'string', minLength: 1 },
    currency: { const: 'USD' },
    verifiedAt: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}' },
    sources: { type: 'array', items: { type: 'string' } },
    models: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'provider', 'tasks', 'tier', 'quality', 'latency', 'residency', 'available', 'contextWindow', 'prices', 'quotas'],
        properties: modelFields,
      },
    },
  },
};

/** Field by field changes to catalog entries, by model id (ids must exist). */
export const OVERRIDES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['models'],
  properties: {
    $comment: { type: 'string' },
    verifiedAt: { type: 'string' },
    models: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: {
          tier,
          quality: modelFields.quality,
          latency: modelFields.latency,
          available: modelFields.available,
          unavailableReason: modelFields.unavailableReason,
          prices,
          quotas: { ...quotas, required: [] },
          notes: modelFields.notes,
        },
      },
    },
  },
};
