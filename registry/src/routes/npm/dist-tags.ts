/** npm's dist-tag routes (`npm dist-tag ls/add/rm`). */
import type { FastifyPluginAsync } from 'fastify';
import { requireCaller } from '../../auth/index.ts';
import type { RouteContext } from '../context.ts';

type Tag = { name: string; tag: string };

export const distTagRoutes: FastifyPluginAsync<RouteContext> = async (app, { packages, auth }) => {
  app.get<{ Params: { name: string } }>('/-/package/:name/dist-tags', { onRequest: auth.optional }, async (request) => {
    return (await packages.get(request.params.name)).distTags;
  });

  // npm sends the version as a JSON string body: `"1.0.0"`. Some clients use POST.
  for (const method of ['PUT', 'POST'] as const) {
    app.route<{ Params: Tag; Body: unknown }>({
      method,
      url: '/-/package/:name/dist-tags/:tag',
      onRequest: auth.writer,
      handler: async (request, reply) => {
        await packages.setTag(request.params.name, request.params.tag, request.body, requireCaller(request));
        return reply.status(201).send({ ok: true, id: request.params.name, 'dist-tags': (await packages.get(request.params.name)).distTags });
      },
    });
  }

  app.delete<{ Params: Tag }>('/-/package/:name/dist-tags/:tag', { onRequest: auth.writer }, async (request) => {
    await packages.removeTag(request.params.name, request.params.tag, requireCaller(request));
    return { ok: true, id: request.params.name, 'dist-tags': (await packages.get(request.params.name)).distTags };
  });
};
