/**
 * npm's package routes: packuments (full and abbreviated), one version, tarballs, publish
 * and deprecate (`PUT /:name`), and the unpublish / owner edits that carry a `-rev`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { ABBREVIATED_TYPE, abbreviatedPackument, fullPackument, latestVersion, servedVersion, revString } from '../../packages/index.ts';
import { requireCaller } from '../../auth/index.ts';
import type { RouteContext } from '../context.ts';

type Name = { name: string };

export const packageRoutes: FastifyPluginAsync<RouteContext> = async (app, { packages, auth, publicUrl, maxBodyBytes, publishGate }) => {
  app.get<{ Params: Name; Querystring: { write?: string } }>('/:name', { onRequest: auth.optional }, async (request, reply) => {
    const pkg = await packages.get(request.params.name);
    reply.header('vary', 'accept').header('cache-control', 'no-cache');
    const accept = request.headers.accept ?? '';
    if (request.query.write === undefined && accept.includes(ABBREVIATED_TYPE)) {
      return reply.type(ABBREVIATED_TYPE).send(abbreviatedPackument(pkg, publicUrl()));
    }
    // The full packument carries the latest version's README (npm view shows it), read apart.
    const latest = latestVersion(pkg);
    const readme = latest ? (await packages.texts(pkg.name, latest.version)).readme : undefined;
    return reply.type('application/json').send(fullPackument(pkg, publicUrl(), readme));
  });

  // `npm view name@1.0.0` reads the packument; this is for people and scripts (a version or a tag).
  app.get<{ Params: Name & { version: string } }>('/:name/:version', { onRequest: auth.optional }, async (request) => {
    const { version } = await packages.liveVersion(request.params.name, request.params.version);
    return servedVersion(version, publicUrl());
  });

  app.get<{ Params: Name & { file: string } }>('/:name/-/:file', { onRequest: auth.optional }, async (request, reply) => {
    // Fastify answers HEAD through this route too; only a GET is a download.
    const tarball = await packages.openTarball(request.params.name, request.params.file, request.method === 'GET');
    return reply.type('application/octet-stream').header('content-length', tarball.size).header('cache-control', 'public, max-age=31536000, immutable').send(tarball.stream);
  });

  app.put<{ Params: Name; Body: unknown }>('/:name', { onRequest: [auth.writer, publishGate], bodyLimit: maxBodyBytes }, async (request, reply) => {
    const name = request.params.name;
    const outcome = await packages.put(name, request.body, requireCaller(request));
    const pkg = await packages.get(name);
    return reply.status(outcome === 'published' ? 201 : 200).send({ ok: true, id: name, rev: revString(name, pkg.rev) });
  });

  app.put<{ Params: Name & { rev: string }; Body: unknown }>('/:name/-rev/:rev', { onRequest: [auth.writer, publishGate], bodyLimit: maxBodyBytes }, async (request, reply) => {
    await packages.putRevision(request.params.name, request.params.rev, request.body, requireCaller(request));
    return reply.status(201).send({ ok: true, id: request.params.name });
  });

  app.delete<{ Params: Name & { rev: string } }>('/:name/-rev/:rev', { onRequest: auth.writer }, async (request, reply) => {
    await packages.unpublishAll(request.params.name, request.params.rev, requireCaller(request));
    return reply.status(201).send({ ok: true, id: request.params.name });
  });

  app.delete<{ Params: Name & { file: string; rev: string } }>('/:name/-/:file/-rev/:rev', { onRequest: auth.writer }, async (request, reply) => {
    await packages.unpublishTarball(request.params.name, request.params.file, request.params.rev, requireCaller(request));
    return reply.status(201).send({ ok: true, id: request.params.name });
  });
};
