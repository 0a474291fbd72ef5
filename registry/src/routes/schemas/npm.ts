/**
 * The npm protocol's documents. Packuments and version documents are open-ended on purpose
 * (`additionalProperties: true`): a library's version document is its package.json, whose
 * fields npm reads (bin, scripts, os, …) and which no schema here can list, and npm reads
 * fields of the packument not listed either. Fields a library's package.json supplies carry
 * no type, so that the serializer passes them on exactly as stored.
 */
import { distTagsSchema, ref } from './common.ts';

const signature = { type: 'object', required: ['keyid', 'sig'], additionalProperties: false, properties: { keyid: { type: 'string' }, sig: { type: 'string' } } } as const;

const distSchema = {
  type: 'object',
  description: "Where and what the tarball is, with the registry's signatures",
  required: ['integrity', 'shasum', 'tarball'],
  additionalProperties: true,
  properties: {
    integrity: { type: 'string', description: 'sha512 SRI' },
    shasum: { type: 'string', description: 'sha1 hex' },
    tarball: { type: 'string', description: 'Download URL (made from the public URL when served)' },
    fileCount: { type: 'integer' },
    unpackedSize: { type: 'integer' },
    signatures: { type: 'array', items: signature, description: "npm's registry signatures (`npm audit signatures`)" },
    'easel:statement': { type: 'string', description: 'The signed file statement: every file and its sha256, the host range, publisher and time' },
    'easel:signatures': { type: 'array', items: signature },
  },
} as const;

const versionDocSchema = {
  $id: 'VersionDocument',
  type: 'object',
  description:
    "One version as npm reads it: for a plugin, built from its plugin.json (with `easel`, the manifest in brief); for a library, its package.json. Open-ended: fields not listed are passed on",
  required: ['name', 'version', 'dist'],
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    _id: { type: 'string', description: '`name@version`' },
    description: {},
    dependencies: {},
    engines: { description: 'A plugin has `{easel: <host range>}`' },
    easel: { type: 'object', additionalProperties: true, description: "A plugin's manifest in brief (agents, workflows, permissions, limits); absent for a library" },
    _npmUser: { type: 'object', additionalProperties: true, properties: { name: { type: 'string' }, email: { type: 'string' } } },
    dist: distSchema,
    deprecated: { type: 'string' },
    'easel:yanked': ref('Yank'),
  },
} as const;

const packumentSchema = {
  $id: 'Packument',
  type: 'object',
  description: 'The full packument (`Accept: application/json`): every live version, times (unpublished versions included), owners, the latest README. Open-ended',
  required: ['_id', '_rev', 'name', 'dist-tags', 'versions', 'time', 'maintainers', 'readme'],
  additionalProperties: true,
  properties: {
    _id: { type: 'string' },
    _rev: { type: 'string', description: 'The revision to send back in `/-rev/:rev` routes' },
    name: { type: 'string' },
    description: {},
    'dist-tags': distTagsSchema,
    versions: { type: 'object', additionalProperties: ref('VersionDocument') },
    time: { type: 'object', additionalProperties: { type: 'string' }, description: '`created`, `modified`, and each version (unpublished ones included) -> ISO time' },
    maintainers: {
      type: 'array',
      items: { type: 'object', required: ['name', 'email'], additionalProperties: false, properties: { name: { type: 'string' }, email: { type: 'string' } } },
    },
    license: {},
    keywords: {},
    readme: { type: 'string' },
    readmeFilename: { type: 'string' },
  },
} as const;

const abbreviatedSchema = {
  $id: 'AbbreviatedPackument',
  type: 'object',
  description: "npm's install format (`Accept: application/vnd.npm.install-v1+json`): per version only what an install needs, plus `easel:yanked`",
  required: ['name', 'modified', 'dist-tags', 'versions'],
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    modified: { type: 'string' },
    'dist-tags': distTagsSchema,
    versions: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true, properties: { name: { type: 'string' }, version: { type: 'string' }, dist: distSchema } } },
  },
} as const;

export const NPM_SCHEMAS = [versionDocSchema, packumentSchema, abbreviatedSchema];

export const searchSchema = {
  type: 'object',
  required: ['objects', 'total', 'time'],
  additionalProperties: false,
  properties: {
    objects: {
      type: 'array',
      items: {
        type: 'object',
        required: ['package', 'score', 'searchScore'],
        additionalProperties: false,
        properties: {
          package: {
            type: 'object',
            required: ['name', 'version', 'keywords', 'date', 'links', 'publisher', 'maintainers'],
            additionalProperties: false,
            properties: {
              name: { type: 'string' },
              version: { type: 'string' },
              description: { type: 'string' },
              keywords: { type: 'array', items: { type: 'string' } },
              date: { type: 'string' },
              links: { type: 'object', additionalProperties: false, properties: { homepage: { type: 'string' } } },
              publisher: { type: 'object', required: ['username'], additionalProperties: false, properties: { username: { type: 'string' } } },
              maintainers: {
                type: 'array',
                items: { type: 'object', required: ['username'], additionalProperties: false, properties: { username: { type: 'string' } } },
              },
            },
          },
          score: {
            type: 'object',
            additionalProperties: false,
            properties: {
              final: { type: 'number' },
              detail: { type: 'object', additionalProperties: false, properties: { quality: { type: 'number' }, popularity: { type: 'number' }, maintenance: { type: 'number' } } },
            },
          },
          searchScore: { type: 'number' },
        },
      },
    },
    total: { type: 'integer' },
    time: { type: 'string', description: 'When the search ran (HTTP date)' },
  },
} as const;

export const keysSchema = {
  type: 'object',
  required: ['keys'],
  additionalProperties: false,
  properties: {
    keys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['expires', 'keyid', 'keytype', 'scheme', 'key'],
        additionalProperties: false,
        properties: {
          expires: { type: ['string', 'null'] },
          keyid: { type: 'string', description: '`SHA256:` + base64 of the sha256 of the key' },
          keytype: { type: 'string' },
          scheme: { type: 'string' },
          key: { type: 'string', description: 'base64 SPKI DER' },
        },
      },
    },
  },
} as const;

/** npm's token view: the token itself only when created, never listed. */
const tokenProperties = {
  key: { type: 'string', description: 'sha512 hex of the token: what revoking takes' },
  token: { type: 'string', description: 'On creation the token itself (shown once); in a list only its prefix' },
  name: { type: ['string', 'null'] },
  readonly: { type: 'boolean' },
  cidr_whitelist: { type: ['array', 'null'], items: { type: 'string' } },
  created: { type: 'string', format: 'date-time' },
  expires: { type: 'string', format: 'date-time' },
} as const;

export const tokenSchema = {
  type: 'object',
  required: ['key', 'token', 'name', 'readonly', 'cidr_whitelist', 'created'],
  additionalProperties: false,
  properties: tokenProperties,
} as const;

export const tokenListSchema = {
  type: 'object',
  required: ['objects', 'total', 'urls'],
  additionalProperties: false,
  properties: {
    objects: { type: 'array', items: tokenSchema },
    total: { type: 'integer' },
    urls: { type: 'object', additionalProperties: false, properties: { next: { type: 'string', description: 'The next page, when there is one' } } },
  },
} as const;

export const tokenRequestSchema = {
  type: ['object', 'null'],
  description: 'Optional with HTTP Basic auth. Restrictions to some packages, scopes or orgs are refused: tokens act for all your packages',
  additionalProperties: true,
  properties: {
    password: { type: 'string', description: "Required with a Bearer token: the user's password" },
    readonly: { type: 'boolean' },
    cidr_whitelist: { type: ['array', 'null'], items: { type: 'string' }, description: 'CIDRs the token may be used from' },
    name: { type: ['string', 'null'] },
    expires: { type: ['integer', 'null'], description: 'Days until it expires (1 to 3650)' },
    packages_and_scopes_permission: { type: 'string', enum: ['read-only', 'read-write'] },
  },
} as const;

export const loginSchema = {
  type: 'object',
  required: ['ok', 'id', 'token'],
  additionalProperties: false,
  properties: { ok: { type: 'string' }, id: { type: 'string' }, token: { type: 'string', description: 'A new token (shown once)' } },
} as const;

export const userSchema = {
  type: 'object',
  required: ['_id', '_rev', 'name', 'type', 'roles', 'date'],
  additionalProperties: false,
  properties: {
    _id: { type: 'string' },
    _rev: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    roles: { type: 'array', items: { type: 'string' } },
    date: { type: 'string', format: 'date-time' },
  },
} as const;

export const userBodySchema = {
  type: ['object', 'null'],
  description: "npm's user document: only `name`, `password` and `email` are read",
  additionalProperties: true,
  properties: { name: { type: 'string' }, password: { type: 'string' }, email: { type: 'string' } },
} as const;
