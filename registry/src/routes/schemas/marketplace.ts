/**
 * The marketplace API's answers (packages/views.ts builds them). Every field is declared:
 * the serializer drops anything else. Manifest parts (`permissions`, `manifest`) are
 * plugin.json's, validated against plugin.schema.json at publish.
 */
import { distTagsSchema, ref } from './common.ts';

const nullableString = { type: ['string', 'null'] } as const;
const stringMap = { type: 'object', additionalProperties: { type: 'string' } } as const;
const date = { type: 'string', format: 'date-time' } as const;

const yankSchema = {
  $id: 'Yank',
  type: 'object',
  description: 'A yanked version stays downloadable for installs that pinned it; resolvers never choose it fresh',
  required: ['at', 'reason'],
  additionalProperties: false,
  properties: { at: date, reason: { type: 'string' } },
} as const;

const summaryProperties = {
  name: { type: 'string' },
  description: { type: 'string' },
  latest: { type: 'string', description: 'The version `latest` points at' },
  distTags: distTagsSchema,
  keywords: { type: 'array', items: { type: 'string' } },
  license: { type: 'string', description: 'SPDX expression' },
  author: {
    description: 'A name, or {name, email?, url?}',
    anyOf: [
      { type: 'string' },
      { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' }, email: { type: 'string' }, url: { type: 'string' } } },
    ],
  },
  homepage: { type: 'string' },
  hostRange: { type: 'string', description: "`engines.easel`: the host API versions it runs on (a semver range)" },
  agents: {
    type: 'array',
    items: {
      type: 'object',
      required: ['type', 'description', 'capabilities'],
      additionalProperties: false,
      properties: { type: { type: 'string' }, description: { type: 'string' }, capabilities: { type: 'array', items: { type: 'string' } } },
    },
  },
  workflows: {
    type: 'array',
    items: { type: 'object', required: ['type', 'description'], additionalProperties: false, properties: { type: { type: 'string' }, description: { type: 'string' } } },
  },
  permissions: { type: 'object', additionalProperties: true, description: "plugin.json's `permissions`: what it asks the admin for" },
  dependencies: { ...stringMap, description: 'Plugins it calls: name -> semver range' },
  owners: { type: 'array', items: { type: 'string' } },
  downloads: { type: 'integer', description: 'Tarball downloads, every version' },
  deprecated: { ...nullableString, description: "The latest version's deprecation message" },
  createdAt: date,
  updatedAt: date,
} as const;

const summaryRequired = ['name', 'description', 'latest', 'distTags', 'keywords', 'license', 'author', 'hostRange', 'agents', 'workflows', 'permissions', 'dependencies', 'owners', 'downloads', 'deprecated', 'createdAt', 'updatedAt'];

const pluginSummarySchema = {
  $id: 'PluginSummary',
  type: 'object',
  description: "A plugin in a listing: its latest version's manifest in brief",
  required: summaryRequired,
  additionalProperties: false,
  properties: summaryProperties,
} as const;

const versionProperties = {
  version: { type: 'string' },
  publishedAt: date,
  publisher: { type: 'string' },
  hostRange: { type: 'string', description: '`engines.easel` of this version' },
  dependencies: stringMap,
  integrity: { type: 'string', description: 'sha512 SRI of the tarball' },
  size: { type: 'integer', description: 'Tarball bytes' },
  fileCount: { type: 'integer' },
  unpackedSize: { type: 'integer' },
  tags: { type: 'array', items: { type: 'string' }, description: 'The dist-tags pointing at it' },
  deprecated: nullableString,
  yanked: { anyOf: [{ type: 'null' }, ref('Yank')] },
  downloads: { type: 'integer' },
} as const;

const versionRequired = ['version', 'publishedAt', 'publisher', 'hostRange', 'dependencies', 'integrity', 'size', 'fileCount', 'unpackedSize', 'tags', 'deprecated', 'yanked', 'downloads'];

const pluginVersionSchema = {
  $id: 'PluginVersion',
  type: 'object',
  required: versionRequired,
  additionalProperties: false,
  properties: versionProperties,
} as const;

const texts = {
  readme: { ...nullableString, description: 'README.md (up to 256K characters), as written: markdown, not rendered' },
  changelog: { ...nullableString, description: 'CHANGELOG.md (up to 256K characters)' },
} as const;

const signature = { type: 'object', required: ['keyid', 'sig'], additionalProperties: false, properties: { keyid: { type: 'string' }, sig: { type: 'string' } } } as const;

export const pluginListSchema = {
  type: 'object',
  required: ['total', 'offset', 'limit', 'packages'],
  additionalProperties: false,
  properties: { total: { type: 'integer' }, offset: { type: 'integer' }, limit: { type: 'integer' }, packages: { type: 'array', items: ref('PluginSummary') } },
} as const;

export const pluginDetailSchema = {
  type: 'object',
  description: 'A plugin with every live version (newest first) and its latest README and CHANGELOG',
  required: [...summaryRequired, 'versions', 'unpublished', 'readme', 'changelog'],
  additionalProperties: false,
  properties: {
    ...summaryProperties,
    versions: { type: 'array', items: ref('PluginVersion') },
    unpublished: {
      type: 'array',
      items: { type: 'object', required: ['version', 'unpublishedAt'], additionalProperties: false, properties: { version: { type: 'string' }, unpublishedAt: date } },
    },
    ...texts,
  },
} as const;

export const pluginVersionDetailSchema = {
  type: 'object',
  required: ['name', ...versionRequired, 'manifest', 'readme', 'changelog', 'signatures'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    ...versionProperties,
    manifest: { type: 'object', additionalProperties: true, description: 'plugin.json as published (see plugin.schema.json)' },
    ...texts,
    signatures: {
      type: 'object',
      description: "The registry's signatures: npm's over `name@version:integrity`, and Easel's over the file statement",
      additionalProperties: false,
      properties: {
        npm: { type: 'array', items: signature },
        statement: { type: 'string', description: 'The signed file statement (JSON text)' },
        statementSignatures: { type: 'array', items: signature },
      },
    },
  },
} as const;

export const yankedVersionSchema = {
  type: 'object',
  required: ['name', ...versionRequired],
  additionalProperties: false,
  properties: { name: { type: 'string' }, ...versionProperties },
} as const;

export const downloadsSchema = {
  type: 'object',
  required: ['name', 'total', 'versions', 'days'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    total: { type: 'integer' },
    versions: { type: 'object', additionalProperties: { type: 'integer' }, description: 'version -> downloads' },
    days: {
      type: 'array',
      description: 'Per UTC day, oldest first',
      items: { type: 'object', required: ['day', 'count'], additionalProperties: false, properties: { day: { type: 'string', format: 'date' }, count: { type: 'integer' } } },
    },
  },
} as const;

export const ownersSchema = {
  type: 'object',
  required: ['name', 'owners'],
  additionalProperties: false,
  properties: { name: { type: 'string' }, owners: { type: 'array', items: { type: 'string' } } },
} as const;

export const MARKETPLACE_SCHEMAS = [yankSchema, pluginSummarySchema, pluginVersionSchema];
