/** `npm ping`, `npm search` (plugins and libraries) and the signing keys `npm audit signatures` reads. */
import type { FastifyPluginAsync } from 'fastify';
import { latestVersion, searchSummary } from '../../packages/index.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses, security } from '../schemas/common.ts';
import { keysSchema, searchSchema } from '../schemas/npm.ts';

const searchQuery = {
  type: 'object',
  properties: {
    text: { type: 'string', maxLength: 256, default: '', description: 'Words that must all match (name, description, keywords)' },
    size: { type: 'integer', minimum: 1, maximum: 250, default: 20 },
    from: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 },
  },
} as const;

export const miscRoutes: FastifyPluginAsync<RouteContext> = async (app, { store, packages, key, auth }) => {
  app.get(
    '/-/ping',
    {
      schema: {
        tags: ['misc'],
        operationId: 'ping',
        summary: '`npm ping`',
        security: security.none,
        response: { 200: { type: 'object', additionalProperties: false, properties: {} }, ...errorResponses },
      },
    },
    async () => ({}),
  );

  app.get(
    '/-/npm/v1/keys',
    {
      schema: {
        tags: ['misc'],
        operationId: 'signingKeys',
        summary: "The registry's public signing keys (`npm audit signatures`)",
        security: security.none,
        response: { 200: keysSchema, ...errorResponses },
      },
    },
    async () => ({ keys: [key.publicKey] }),
  );

  app.get<{ Querystring: { text: string; size: number; from: number } }>(
    '/-/v1/search',
    {
      onRequest: auth.optional,
      schema: {
        tags: ['misc'],
        operationId: 'search',
        summary: '`npm search`: plugins and libraries',
        security: security.optional,
        querystring: searchQuery,
        response: { 200: searchSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { text, size, from } = request.query;
      const found = await store.packages.search({ text, limit: size, offset: from });
      const objects = [];
      for (const name of found.names) {
        const pkg = await packages.get(name).catch(() => undefined);
        const latest = pkg && latestVersion(pkg);
        if (!pkg || !latest) continue;
        const { description, keywords, homepage } = searchSummary(latest);
        objects.push({
          package: {
            name,
            version: latest.version,
            ...(description === undefined ? {} : { description }),
            keywords,
            date: latest.publishedAt,
            links: homepage ? { homepage } : {},
            publisher: { username: latest.publisher },
            maintainers: pkg.owners.map((username) => ({ username })),
          },
          score: { final: 1, detail: { quality: 1, popularity: 1, maintenance: 1 } },
          searchScore: 1,
        });
      }
      return { objects, total: found.total, time: new Date().toUTCString() };
    },
  );
};
