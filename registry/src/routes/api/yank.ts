/**
 * Yank and unyank (admin token only). A yanked version stays in the packuments, marked
 * `easel:yanked: {at, reason}`, and stays downloadable for installs that already pinned it;
 * resolvers never choose it fresh.
 */
import type { FastifyPluginAsync } from 'fastify';
import { versionSummary } from '../../packages/index.ts';
import type { PluginVersionRecord } from '../../store/index.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses, nameParam, security } from '../schemas/common.ts';
import { yankedVersionSchema } from '../schemas/marketplace.ts';

type Params = { name: string; version: string };

const params = {
  type: 'object',
  required: ['name', 'version'],
  properties: { name: nameParam, version: { type: 'string', description: 'A version number' } },
} as const;

const yankBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 1024, description: 'Shown to those who choose a plugin' } },
} as const;

export const yankRoutes: FastifyPluginAsync<RouteContext> = async (app, { packages, auth, store }) => {
  app.addHook('onRequest', auth.admin);

  app.post<{ Params: Params; Body: { reason?: string } | null | undefined }>(
    '/api/v1/packages/:name/versions/:version/yank',
    {
      schema: {
        tags: ['admin'],
        operationId: 'yankVersion',
        summary: 'Yanks a plugin version: it stays downloadable for installs that pinned it, and is never chosen fresh',
        security: security.bearer,
        params,
        body: yankBody,
        response: { 200: yankedVersionSchema, ...errorResponses },
      },
    },
    async (request) => view(request.params.name, await packages.setYanked(request.params.name, request.params.version, request.body?.reason ?? '')),
  );

  app.post<{ Params: Params }>(
    '/api/v1/packages/:name/versions/:version/unyank',
    {
      schema: {
        tags: ['admin'],
        operationId: 'unyankVersion',
        summary: 'Removes the yank',
        security: security.bearer,
        params,
        response: { 200: yankedVersionSchema, ...errorResponses },
      },
    },
    async (request) => view(request.params.name, await packages.setYanked(request.params.name, request.params.version, null)),
  );

  async function view(name: string, version: PluginVersionRecord) {
    const pkg = await packages.get(name);
    return { name, ...versionSummary(version, pkg, (await store.downloads.counts(name)).versions[version.version] ?? 0) };
  }
};
