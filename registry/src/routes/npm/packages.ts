/**
 * npm's package routes: packuments (full and abbreviated), one version, tarballs, publish
 * and deprecate (`PUT /:name`), and the unpublish / owner edits that carry a `-rev`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { ABBREVIATED_TYPE, abbreviatedPackument, fullPackument, latestVersion, servedVersion, revString } from '../../packages/index.ts';
import { requireCaller } from '../../auth/index.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses, nameParam, okIdSchema, ref, security, versionParam } from '../schemas/common.ts';

type Name = { name: string };

const nameParams = { type: 'object', required: ['name'], properties: { name: nameParam } } as const;
const revParam = { type: 'string', description: 'The packument\'s current `_rev`' } as const;
const fileParam = { type: 'string', description: 'The tarball file name, `<name without scope>-<version>.tgz`' } as const;

const publishBody = {
  type: 'object',
  description:
    'A publish (with `_attachments`: exactly one version and its tarball, base64) or, without attachments, a deprecation edit (only `versions[*].deprecated` is read). What `npm publish` and `npm deprecate` send',
  additionalProperties: true,
  properties: {
    _id: { type: 'string' },
    name: { type: 'string' },
    versions: { type: 'object', additionalProperties: { type: 'object' } },
    'dist-tags': { type: 'object', additionalProperties: { type: 'string' } },
    _attachments: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { content_type: { type: 'string' }, data: { type: 'string', description: 'The tarball, base64' }, length: { type: 'integer' } },
      },
    },
  },
} as const;

const revisionBody = {
  type: 'object',
  description: 'The packument as npm edits it: without some versions (`npm unpublish name@version`) or with new `maintainers` (`npm owner`); only those two changes are read',
  additionalProperties: true,
  properties: {
    versions: { type: 'object' },
    maintainers: { type: 'array' },
    'dist-tags': { type: 'object' },
  },
} as const;

const published = {
  type: 'object',
  required: ['ok', 'id', 'rev'],
  additionalProperties: false,
  properties: { ok: { type: 'boolean', const: true }, id: { type: 'string' }, rev: { type: 'string', description: 'The new `_rev`' } },
} as const;

export const packageRoutes: FastifyPluginAsync<RouteContext> = async (app, { packages, auth, publicUrl, maxBodyBytes, publishGate }) => {
  app.get<{ Params: Name; Querystring: { write?: string } }>(
    '/:name',
    {
      onRequest: auth.optional,
      schema: {
        tags: ['packages'],
        operationId: 'getPackument',
        summary: 'The packument (what `npm install` and `npm view` read)',
        description: `\`Accept: ${ABBREVIATED_TYPE}\` gets the abbreviated document (unless \`?write=true\`), anything else the full one`,
        security: security.optional,
        params: nameParams,
        querystring: { type: 'object', properties: { write: { type: 'string', description: 'Any value: the full packument whatever the Accept (npm sends it before an edit)' } } },
        response: {
          200: { content: { 'application/json': { schema: ref('Packument') }, [ABBREVIATED_TYPE]: { schema: ref('AbbreviatedPackument') } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
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
    },
  );

  // `npm view name@1.0.0` reads the packument; this is for people and scripts (a version or a tag).
  app.get<{ Params: Name & { version: string } }>(
    '/:name/:version',
    {
      onRequest: auth.optional,
      schema: {
        tags: ['packages'],
        operationId: 'getVersion',
        summary: 'One version document, by number or dist-tag',
        security: security.optional,
        params: { type: 'object', required: ['name', 'version'], properties: { name: nameParam, version: versionParam } },
        response: { 200: ref('VersionDocument'), ...errorResponses },
      },
    },
    async (request) => {
      const { version } = await packages.liveVersion(request.params.name, request.params.version);
      return servedVersion(version, publicUrl());
    },
  );

  app.get<{ Params: Name & { file: string } }>(
    '/:name/-/:file',
    {
      onRequest: auth.optional,
      // HEAD answers the size without counting a download: documented too.
      config: { swagger: { exposeHeadRoute: true } },
      schema: {
        tags: ['packages'],
        operationId: 'getTarball',
        summary: 'A tarball (a GET counts a download; HEAD does not)',
        security: security.optional,
        params: { type: 'object', required: ['name', 'file'], properties: { name: nameParam, file: fileParam } },
        response: {
          200: { description: 'The tarball; immutable, cacheable for a year', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      // Fastify answers HEAD through this route too; only a GET is a download.
      const tarball = await packages.openTarball(request.params.name, request.params.file, request.method === 'GET');
      return reply.type('application/octet-stream').header('content-length', tarball.size).header('cache-control', 'public, max-age=31536000, immutable').send(tarball.stream);
    },
  );

  app.put<{ Params: Name; Body: unknown }>(
    '/:name',
    {
      onRequest: [auth.writer, publishGate],
      bodyLimit: maxBodyBytes,
      schema: {
        tags: ['packages'],
        operationId: 'publishOrDeprecate',
        summary: '`npm publish` (201) or `npm deprecate` (200)',
        security: security.bearer,
        params: nameParams,
        body: publishBody,
        response: { 200: { ...published, description: 'Deprecations changed' }, 201: { ...published, description: 'Published' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const name = request.params.name;
      const outcome = await packages.put(name, request.body, requireCaller(request));
      const pkg = await packages.get(name);
      return reply.status(outcome === 'published' ? 201 : 200).send({ ok: true, id: name, rev: revString(name, pkg.rev) });
    },
  );

  app.put<{ Params: Name & { rev: string }; Body: unknown }>(
    '/:name/-rev/:rev',
    {
      onRequest: [auth.writer, publishGate],
      bodyLimit: maxBodyBytes,
      schema: {
        tags: ['packages'],
        operationId: 'editPackument',
        summary: '`npm unpublish name@version` (first step) and `npm owner add/rm`',
        security: security.bearer,
        params: { type: 'object', required: ['name', 'rev'], properties: { name: nameParam, rev: revParam } },
        body: revisionBody,
        response: { 201: okIdSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      await packages.putRevision(request.params.name, request.params.rev, request.body, requireCaller(request));
      return reply.status(201).send({ ok: true, id: request.params.name });
    },
  );

  app.delete<{ Params: Name & { rev: string } }>(
    '/:name/-rev/:rev',
    {
      onRequest: auth.writer,
      schema: {
        tags: ['packages'],
        operationId: 'unpublishPackage',
        summary: '`npm unpublish name --force`: every version becomes a tombstone; the name stays owned',
        security: security.bearer,
        params: { type: 'object', required: ['name', 'rev'], properties: { name: nameParam, rev: revParam } },
        response: { 201: okIdSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      await packages.unpublishAll(request.params.name, request.params.rev, requireCaller(request));
      return reply.status(201).send({ ok: true, id: request.params.name });
    },
  );

  app.delete<{ Params: Name & { file: string; rev: string } }>(
    '/:name/-/:file/-rev/:rev',
    {
      onRequest: auth.writer,
      schema: {
        tags: ['packages'],
        operationId: 'unpublishTarball',
        summary: "The last step of `npm unpublish name@version`: the version's tarball",
        security: security.bearer,
        params: { type: 'object', required: ['name', 'file', 'rev'], properties: { name: nameParam, file: fileParam, rev: revParam } },
        response: { 201: okIdSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      await packages.unpublishTarball(request.params.name, request.params.file, request.params.rev, requireCaller(request));
      return reply.status(201).send({ ok: true, id: request.params.name });
    },
  );
};
