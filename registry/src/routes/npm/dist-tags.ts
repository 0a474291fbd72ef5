/** npm's dist-tag routes (`npm dist-tag ls/add/rm`). */
import type { FastifyPluginAsync } from 'fastify';
import { requireCaller } from '../../auth/index.ts';
import type { RouteContext } from '../context.ts';
import { distTagsSchema, errorResponses, nameParam, security } from '../schemas/common.ts';

type Tag = { name: string; tag: string };

const tagParams = {
  type: 'object',
  required: ['name', 'tag'],
  properties: { name: nameParam, tag: { type: 'string', description: 'A dist-tag: letters, digits, `.`, `_` and `-`, not a semver range' } },
} as const;

const tagsAnswer = {
  type: 'object',
  required: ['ok', 'id', 'dist-tags'],
  additionalProperties: false,
  properties: { ok: { type: 'boolean', const: true }, id: { type: 'string' }, 'dist-tags': distTagsSchema },
} as const;

export const distTagRoutes: FastifyPluginAsync<RouteContext> = async (app, { packages, auth }) => {
  app.get<{ Params: { name: string } }>(
    '/-/package/:name/dist-tags',
    {
      onRequest: auth.optional,
      schema: {
        tags: ['dist-tags'],
        operationId: 'listDistTags',
        summary: '`npm dist-tag ls`',
        security: security.optional,
        params: { type: 'object', required: ['name'], properties: { name: nameParam } },
        response: { 200: distTagsSchema, ...errorResponses },
      },
    },
    async (request) => (await packages.get(request.params.name)).distTags,
  );

  // npm sends the version as a JSON string body: `"1.0.0"`. Some clients use POST.
  for (const method of ['PUT', 'POST'] as const) {
    app.route<{ Params: Tag; Body: unknown }>({
      method,
      url: '/-/package/:name/dist-tags/:tag',
      onRequest: auth.writer,
      schema: {
        tags: ['dist-tags'],
        operationId: method === 'PUT' ? 'setDistTag' : 'setDistTagPost',
        summary: method === 'PUT' ? '`npm dist-tag add`: points a tag at a published version' : 'As PUT (some clients POST)',
        security: security.bearer,
        params: tagParams,
        body: { type: 'string', description: 'The version, as a JSON string (`"1.0.0"`)' },
        response: { 201: tagsAnswer, ...errorResponses },
      },
      handler: async (request, reply) => {
        await packages.setTag(request.params.name, request.params.tag, request.body, requireCaller(request));
        return reply.status(201).send({ ok: true, id: request.params.name, 'dist-tags': (await packages.get(request.params.name)).distTags });
      },
    });
  }

  app.delete<{ Params: Tag }>(
    '/-/package/:name/dist-tags/:tag',
    {
      onRequest: auth.writer,
      schema: {
        tags: ['dist-tags'],
        operationId: 'removeDistTag',
        summary: '`npm dist-tag rm` (never `latest`)',
        security: security.bearer,
        params: tagParams,
        response: { 200: tagsAnswer, ...errorResponses },
      },
    },
    async (request) => {
      await packages.removeTag(request.params.name, request.params.tag, requireCaller(request));
      return { ok: true, id: request.params.name, 'dist-tags': (await packages.get(request.params.name)).distTags };
    },
  );
};
