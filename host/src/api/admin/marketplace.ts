/**
 * The marketplace as the console shows it (admin): the configured registries searched, and
 * one plugin's page (README, versions, the permissions each asks, host compatibility,
 * downloads, deprecated and yanked versions), each with what is installed here. Registry
 * documents are data from elsewhere: only fields of the expected types are passed on.
 */
import type { FastifyPluginAsync } from 'fastify';
import semver from 'semver';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import { HOST_API_VERSION, type PluginService } from '../../plugins/index.ts';
import type { Packument, RegistryClient, VersionDoc } from '../../registries/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { bool, count, list, object, openObject, orNull, text, texts, time } from '../openapi/shapes/common.ts';
import { pluginName } from '../schemas.ts';

export interface MarketplaceRoutesOptions {
  client: RegistryClient;
  plugins: PluginService;
  keys: ApiKeyRepository;
}

/** README text passed on, at most (the registry keeps up to 256 KiB). */
const MAX_README_CHARS = 262_144;
/** Packuments fetched at once for a search. */
const FETCH_CONCURRENCY = 4;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const record = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);
const stringMap = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(record(v) ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));

function author(v: unknown): string | undefined {
  return str(v) ?? str(record(v)?.name);
}

const runsHere = (range: string | undefined) => range !== undefined && semver.validRange(range) !== null && semver.satisfies(HOST_API_VERSION, range, { includePrerelease: true });

/** A version as the marketplace shows it; `permissions` is null where the registry does not say (only Easel's registry does). */
function versionView(doc: VersionDoc, packument: Packument, downloads: Record<string, number> | undefined) {
  const raw = doc as unknown as Record<string, unknown>;
  const easel = record(raw.easel);
  const hostRange = str(record(raw.engines)?.easel);
  const yanked = record(raw['easel:yanked']);
  return {
    version: doc.version,
    publishedAt: str(packument.time?.[doc.version]) ?? null,
    hostRange: hostRange ?? null,
    runsHere: runsHere(hostRange),
    dependencies: stringMap(raw.dependencies),
    permissions: record(easel?.permissions) ?? null,
    agents: Array.isArray(easel?.agents) ? easel.agents : null,
    workflows: Array.isArray(easel?.workflows) ? easel.workflows : null,
    deprecated: str(raw.deprecated) ?? null,
    yanked: yanked ? { at: str(yanked.at) ?? null, reason: str(yanked.reason) ?? '' } : null,
    tags: Object.entries(packument['dist-tags'] ?? {}).filter(([, v]) => v === doc.version).map(([tag]) => tag),
    downloads: downloads ? (downloads[doc.version] ?? 0) : null,
  };
}

/** The version `latest` names, else the highest one. */
function latestOf(p: Packument): VersionDoc | undefined {
  const tagged = p['dist-tags']?.latest;
  if (tagged !== undefined && p.versions[tagged]) return p.versions[tagged];
  const sorted = Object.keys(p.versions).filter((v) => semver.valid(v)).sort(semver.rcompare);
  return sorted[0] === undefined ? undefined : p.versions[sorted[0]];
}

/** Only plugins: a version document without `engines.easel` is an npm library (the SDK, say). */
const isPlugin = (doc: VersionDoc | undefined): doc is VersionDoc => str(record((doc as unknown as Record<string, unknown>)?.engines)?.easel) !== undefined;

const tag = 'registries';
const installedShape = orNull(object({ version: text, enabled: bool }, ['version', 'enabled'], 'the version installed on this host, or null'));
const permissions = { ...orNull(openObject('the permissions the version asks (its manifest’s)')), description: 'null where the registry does not say (only Easel’s registry does)' };
const openList = (description: string) => orNull({ type: 'array', items: openObject(description) });
const summaryShape = object(
  {
    name: text,
    description: text,
    latest: text,
    keywords: texts,
    license: orNull(text),
    author: orNull(text),
    hostRange: orNull(text),
    runsHere: bool,
    permissions,
    deprecated: orNull(text),
    registry: text,
    installed: installedShape,
  },
  ['name', 'description', 'latest', 'keywords', 'license', 'author', 'hostRange', 'runsHere', 'permissions', 'deprecated', 'registry', 'installed'],
);
const versionShape = object(
  {
    version: text,
    publishedAt: orNull(time),
    hostRange: orNull(text),
    runsHere: bool,
    dependencies: { type: 'object', additionalProperties: text },
    permissions,
    agents: openList('an agent the version declares'),
    workflows: openList('a workflow the version declares'),
    deprecated: orNull(text),
    yanked: orNull(object({ at: orNull(time), reason: text }, ['at', 'reason'])),
    tags: texts,
    downloads: { ...orNull(count), description: 'null where the registry keeps no counts' },
  },
  ['version', 'publishedAt', 'hostRange', 'runsHere', 'dependencies', 'permissions', 'agents', 'workflows', 'deprecated', 'yanked', 'tags', 'downloads'],
);
const searchSchema = routeSchema({
  tag,
  summary: 'Search the marketplace',
  description: 'The plugins of the configured registries whose name, description or keywords match q, each with its latest version and what is installed here.',
  audience: 'admin',
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { q: { type: 'string', maxLength: 256 }, limit: { type: 'integer', minimum: 1, maximum: 250, default: 50 } },
  },
  ok: { 200: json('the plugins found', object({ query: text, hostApiVersion: text, plugins: list(summaryShape) }, ['query', 'hostApiVersion', 'plugins'])) },
  errors: ['REGISTRY_UNAVAILABLE'],
});
const pageSchema = routeSchema({
  tag,
  summary: 'A plugin’s marketplace page',
  description: 'Its README, every version (host compatibility, permissions, downloads, deprecated or yanked) and what is installed here.',
  audience: 'admin',
  params: { type: 'object', required: ['name'], properties: { name: pluginName } },
  ok: {
    200: json(
      'the plugin',
      object(
        {
          name: text,
          description: text,
          latest: text,
          distTags: { type: 'object', additionalProperties: text },
          keywords: texts,
          license: orNull(text),
          author: orNull(text),
          homepage: orNull(text),
          registry: text,
          hostApiVersion: text,
          readme: text,
          readmeTruncated: bool,
          downloads: orNull(count),
          versions: list(versionShape),
          installed: installedShape,
        },
        ['name', 'description', 'latest', 'distTags', 'keywords', 'license', 'author', 'homepage', 'registry', 'hostApiVersion', 'readme', 'readmeTruncated', 'downloads', 'versions', 'installed'],
      ),
    ),
  },
  errors: ['PACKAGE_NOT_FOUND', 'REGISTRY_UNAVAILABLE'],
});

export const marketplaceRoutes: FastifyPluginAsync<MarketplaceRoutesOptions> = async (app, { client, plugins, keys }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));

  async function installedMap() {
    return new Map((await plugins.list()).map((p) => [p.name, { version: p.version, enabled: p.enabled }]));
  }

  app.get<{ Querystring: { q?: string; limit?: number } }>(
    '/v1/marketplace',
    { schema: searchSchema },
    async (req) => {
      const names = (await client.search(req.query.limit ?? 50, req.query.q ?? '')).slice(0, req.query.limit ?? 50);
      const installed = await installedMap();
      const found: ({ name: string } & Record<string, unknown>)[] = [];
      for (let i = 0; i < names.length; i += FETCH_CONCURRENCY) {
        const batch = await Promise.all(names.slice(i, i + FETCH_CONCURRENCY).map((name) => client.packument(name)));
        for (const hit of batch) {
          const latest = hit && latestOf(hit.doc);
          if (!hit || !isPlugin(latest)) continue;
          const view = versionView(latest, hit.doc, undefined);
          const raw = latest as unknown as Record<string, unknown>;
          found.push({
            name: hit.doc.name,
            description: str(raw.description) ?? '',
            latest: latest.version,
            keywords: strings(raw.keywords),
            license: str(raw.license) ?? null,
            author: author(raw.author) ?? null,
            hostRange: view.hostRange,
            runsHere: view.runsHere,
            permissions: view.permissions,
            deprecated: view.deprecated,
            registry: hit.registry,
            installed: installed.get(hit.doc.name) ?? null,
          });
        }
      }
      return { query: req.query.q ?? '', hostApiVersion: HOST_API_VERSION, plugins: found };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/v1/marketplace/:name',
    { schema: pageSchema },
    async (req) => {
      const hit = await client.packument(req.params.name);
      const latest = hit && latestOf(hit.doc);
      if (!hit || !isPlugin(latest)) throw new EaselError('PACKAGE_NOT_FOUND', { explanation: `no configured registry has a plugin named ${req.params.name}` }, { name: req.params.name });
      const downloads = await client.downloads(hit.registry, hit.doc.name);
      const raw = hit.doc as unknown as Record<string, unknown>;
      const latestRaw = latest as unknown as Record<string, unknown>;
      const readme = str(raw.readme) ?? '';
      const versions = Object.values(hit.doc.versions)
        .filter((v) => semver.valid(v.version))
        .sort((a, b) => semver.rcompare(a.version, b.version))
        .map((v) => versionView(v, hit.doc, downloads?.versions));
      return {
        name: hit.doc.name,
        description: str(latestRaw.description) ?? '',
        latest: latest.version,
        distTags: stringMap(hit.doc['dist-tags']),
        keywords: strings(latestRaw.keywords),
        license: str(latestRaw.license) ?? null,
        author: author(latestRaw.author) ?? null,
        homepage: str(latestRaw.homepage) ?? null,
        registry: hit.registry,
        hostApiVersion: HOST_API_VERSION,
        readme: readme.slice(0, MAX_README_CHARS),
        readmeTruncated: readme.length > MAX_README_CHARS,
        downloads: downloads?.total ?? null,
        versions,
        installed: (await installedMap()).get(hit.doc.name) ?? null,
      };
    },
  );
};
