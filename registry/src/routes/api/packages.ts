/**
 * The marketplace API (read side): list and search plugins with their manifests in brief,
 * one plugin with its versions, README and CHANGELOG, one version, download counts. Library
 * packages are not plugins: they are served over the npm protocol only.
 */
import type { FastifyPluginAsync } from 'fastify';
import { latestVersion, packageDetail, packageSummary, versionDetail } from '../../packages/index.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses, nameParam, security, versionParam } from '../schemas/common.ts';
import { downloadsSchema, pluginDetailSchema, pluginListSchema, pluginVersionDetailSchema } from '../schemas/marketplace.ts';

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 256, default: '', description: 'Words that must all match (name, description, keywords); empty: every plugin' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    offset: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 },
  },
} as const;

const nameParams = { type: 'object', required: ['name'], properties: { name: nameParam } } as const;

export const marketplaceRoutes: FastifyPluginAsync<RouteContext> = async (app, { store, packages }) => {
  app.get<{ Querystring: { q: string; limit: number; offset: number } }>(
    '/api/v1/packages',
    {
      schema: {
        tags: ['marketplace'],
        operationId: 'listPlugins',
        summary: 'Plugins, best match first (most recently updated first without `q`)',
        security: security.none,
        querystring: listQuery,
        response: { 200: pluginListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { q, limit, offset } = request.query;
      const found = await store.packages.search({ text: q, limit, offset, kind: 'plugin' });
      const totals = await store.downloads.totals(found.names);
      const list = [];
      for (const name of found.names) {
        const pkg = await packages.getPlugin(name).catch(() => undefined);
        if (pkg) list.push(packageSummary(pkg, totals.get(name) ?? 0));
      }
      return { total: found.total, offset, limit, packages: list };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/packages/:name',
    {
      schema: {
        tags: ['marketplace'],
        operationId: 'getPlugin',
        summary: 'A plugin: its latest manifest in brief, every live version, README and CHANGELOG',
        security: security.none,
        params: nameParams,
        response: { 200: pluginDetailSchema, ...errorResponses },
      },
    },
    async (request) => {
      const pkg = await packages.getPlugin(request.params.name);
      const latest = latestVersion(pkg);
      const texts = latest ? await packages.texts(pkg.name, latest.version) : {};
      return packageDetail(pkg, await store.downloads.counts(pkg.name), texts);
    },
  );

  app.get<{ Params: { name: string; version: string } }>(
    '/api/v1/packages/:name/versions/:version',
    {
      schema: {
        tags: ['marketplace'],
        operationId: 'getPluginVersion',
        summary: 'One version (by number or dist-tag): its whole manifest, README, CHANGELOG and signatures',
        security: security.none,
        params: { type: 'object', required: ['name', 'version'], properties: { name: nameParam, version: versionParam } },
        response: { 200: pluginVersionDetailSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { pkg, version } = await packages.livePluginVersion(request.params.name, request.params.version);
      const counts = await store.downloads.counts(pkg.name);
      return versionDetail(version, pkg, counts.versions[version.version] ?? 0, await packages.texts(pkg.name, version.version));
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/packages/:name/downloads',
    {
      schema: {
        tags: ['marketplace'],
        operationId: 'getPluginDownloads',
        summary: 'Tarball downloads: in all, per version, per UTC day',
        security: security.none,
        params: nameParams,
        response: { 200: downloadsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const pkg = await packages.getPlugin(request.params.name);
      return { name: pkg.name, ...(await store.downloads.counts(pkg.name)) };
    },
  );
};
