/**
 * Owners of a package. The first publisher owns a name; owners (or the admin) add and
 * remove owners here or with `npm owner add/rm`, which edits `maintainers` through
 * `PUT /:name/-rev/:rev`. A package always keeps at least one owner.
 */
import type { FastifyPluginAsync } from 'fastify';
import { RegistryError } from '../../errors/index.ts';
import { requireCaller } from '../../auth/index.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses, nameParam, security } from '../schemas/common.ts';
import { ownersSchema } from '../schemas/marketplace.ts';

type Params = { name: string; user: string };

const userParams = {
  type: 'object',
  required: ['name', 'user'],
  properties: { name: nameParam, user: { type: 'string', description: 'A user name' } },
} as const;

export const ownerRoutes: FastifyPluginAsync<RouteContext> = async (app, { packages, auth, store }) => {
  app.get<{ Params: { name: string } }>(
    '/api/v1/packages/:name/owners',
    {
      schema: {
        tags: ['owners'],
        operationId: 'listOwners',
        summary: "A package's owners (kept after every version is unpublished: the name stays theirs)",
        security: security.none,
        params: { type: 'object', required: ['name'], properties: { name: nameParam } },
        response: { 200: ownersSchema, ...errorResponses },
      },
    },
    async (request) => {
      // Owners outlive an unpublish of every version: the name stays theirs.
      const pkg = await store.packages.get(request.params.name);
      if (!pkg) throw new RegistryError('PACKAGE_NOT_FOUND', { kind: 'package', package: request.params.name });
      return { name: pkg.name, owners: pkg.owners };
    },
  );

  app.put<{ Params: Params }>(
    '/api/v1/packages/:name/owners/:user',
    {
      onRequest: auth.writer,
      schema: {
        tags: ['owners'],
        operationId: 'addOwner',
        summary: 'Adds an owner (an owner or the admin)',
        security: security.bearer,
        params: userParams,
        response: { 200: ownersSchema, ...errorResponses },
      },
    },
    async (request) => ({
      name: request.params.name,
      owners: await packages.addOwner(request.params.name, request.params.user, requireCaller(request)),
    }),
  );

  app.delete<{ Params: Params }>(
    '/api/v1/packages/:name/owners/:user',
    {
      onRequest: auth.writer,
      schema: {
        tags: ['owners'],
        operationId: 'removeOwner',
        summary: 'Removes an owner (never the last one)',
        security: security.bearer,
        params: userParams,
        response: { 200: ownersSchema, ...errorResponses },
      },
    },
    async (request) => ({
      name: request.params.name,
      owners: await packages.removeOwner(request.params.name, request.params.user, requireCaller(request)),
    }),
  );
};
