/**
 * `GET /v1/blobs/:id`: the bytes of a stored object, for apps. Either the signed URL a
 * plugin got from `ctx.storage.url` (no key needed until it expires), or a key: an app key
 * reads the blobs its app's executions wrote, an admin key any. Bytes are served as untrusted
 * content: no sniffing, a sandboxing CSP, and anything that could run script in a browser
 * (HTML, SVG, ...) as a download, never inline on the host's origin.
 */
import type { FastifyPluginAsync } from 'fastify';
import { appScopeOf, principalOf } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { BlobService } from '../../storage/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { empty, routeSchema } from '../openapi/route-schema.ts';

export interface BlobRoutesOptions {
  blobs: BlobService;
  keys: ApiKeyRepository;
}

const INLINE = /^(image\/(png|jpeg|gif|webp|avif)|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+|text\/plain|application\/json)(;|$)/;

export const blobRoutes: FastifyPluginAsync<BlobRoutesOptions> = async (app, { blobs, keys }) => {
  app.get<{ Params: { id: string }; Querystring: { expires?: string; sig?: string } }>(
    '/v1/blobs/:id',
    {
      schema: {
        ...routeSchema({
          tag: 'blobs',
          summary: 'Read a stored object',
          description: 'By the signed URL a plugin made with ctx.storage.url (no key; any key is then ignored), or with a key: an app key reads the blobs its app’s executions wrote, an admin key any. Served as untrusted content: nosniff, a sandboxing CSP, and anything a browser could run (HTML, SVG…) as an attachment.',
          audience: 'any-key',
          rateLimited: false,
          params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid', maxLength: 36 } } },
          querystring: { type: 'object', properties: { expires: { type: 'string', maxLength: 16, description: 'of a signed URL: unix seconds' }, sig: { type: 'string', maxLength: 64, description: 'of a signed URL' } } },
          docHeaders: { type: 'object', properties: { 'if-none-match': { type: 'string', description: 'the etag of a copy you have: 304 when it is current' } } },
          ok: {
            200: {
              description: 'the bytes, with their stored content type',
              headers: {
                etag: { type: 'string', description: '"<sha256 of the bytes>"' },
                'cache-control': { type: 'string' },
                'content-disposition': { type: 'string', description: 'inline for images, audio, video, text/plain and JSON; otherwise an attachment' },
              },
              content: { '*/*': { schema: { description: 'the bytes' } } },
            },
            304: empty('the copy with that etag is current'),
          },
          errors: ['BLOB_NOT_FOUND', 'BLOB_TOKEN_INVALID', 'STORAGE_CORRUPT', 'STORAGE_UNAVAILABLE'],
        }),
        // A signed URL needs no key.
        security: [{}, { bearerAuth: [] }],
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const signed = req.query.sig !== undefined || req.query.expires !== undefined;
      if (signed) {
        const verdict = blobs.checkUrl(id, req.query.expires, req.query.sig);
        if (verdict !== 'ok') throw new EaselError('BLOB_TOKEN_INVALID', { state: verdict === 'expired' ? 'expired' : 'not valid' });
      }
      const own = signed ? undefined : appScopeOf(await principalOf(keys, req));
      const row = await blobs.byId(id);
      // Another app's blob answers like a missing one.
      if (!row || (own !== undefined && row.appId !== own)) throw new EaselError('BLOB_NOT_FOUND', { blob: id });
      const etag = `"${row.sha256}"`;
      void reply
        .header('etag', etag)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', signed ? 'private, max-age=300' : 'private, no-cache')
        .header('content-disposition', INLINE.test(row.contentType) ? 'inline' : `attachment; filename="${row.id}"`);
      if (req.headers['if-none-match'] === etag) return reply.status(304).send();
      const bytes = await blobs.read(row);
      return reply.type(row.contentType).header('content-length', String(bytes.length)).send(bytes);
    },
  );
};
