/**
 * The marketplace API (read side): list and search plugins with their manifests in brief,
 * one plugin with its versions, README and CHANGELOG, one version, download counts. Library
 * packages are not plugins: they are served over the npm protocol only.
 */
import type { FastifyPluginAsync } from 'fastify';
import { latestVersion, packageDetail, packageSummary, versionDetail } from '../../packages/index.ts';
import type { RouteContext } from '../context.ts';

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', maxLength: 256, default: '' },
    limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    offset: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 },
  },
} as const;

export const marketplaceRoutes: FastifyPluginAsync<RouteContext> = async (app, { store, packages }) => {
  app.get<{ Querystring: { q: string; limit: number; offset: number } }>('/api/v1/packages', { schema: { querystring: listQuery } }, async (request) => {
    const { q, limit, offset } = request.query;
    const found = await store.packages.search({ text: q, limit, offset, kind: 'plugin' });
    const totals = await store.downloads.totals(found.names);
    const list = [];
    for (const name of found.names) {
      const pkg = await packages.getPlugin(name).catch(() => undefined);
      if (pkg) list.push(packageSummary(pkg, totals.get(name) ?? 0));
    }
    return { total: found.total, offset, limit, packages: list };
  });

  app.get<{ Params: { name: string } }>('/api/v1/packages/:name', async (request) => {
    const pkg = await packages.getPlugin(request.params.name);
    const latest = latestVersion(pkg);
    const texts = latest ? await packages.texts(pkg.name, latest.version) : {};
    return packageDetail(pkg, await store.downloads.counts(pkg.name), texts);
  });

  app.get<{ Params: { name: string; version: string } }>('/api/v1/packages/:name/versions/:version', async (request) => {
    const { pkg, version } = await packages.livePluginVersion(request.params.name, request.params.version);
    const counts = await store.downloads.counts(pkg.name);
    return versionDetail(version, pkg, counts.versions[version.version] ?? 0, await packages.texts(pkg.name, version.version));
  });

  app.get<{ Params: { name: string } }>('/api/v1/packages/:name/downloads', async (request) => {
    const pkg = await packages.getPlugin(request.params.name);
    return { name: pkg.name, ...(await store.downloads.counts(pkg.name)) };
  });
};
