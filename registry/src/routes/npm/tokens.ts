/**
 * npm's token API (`npm token create/list/revoke`), so scripts and CI get and manage tokens
 * over HTTP without a terminal:
 * - `POST /-/npm/v1/tokens`: with the user's Bearer token plus `{password}` in the body (as
 *   npm sends it), or with HTTP Basic `name:password` alone (one curl for a first token);
 * - `GET /-/npm/v1/tokens`: the caller's tokens, by key (sha512 of the token), never the token;
 * - `DELETE /-/npm/v1/tokens/token/:key`: revokes one (by key, or by the token itself).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { basicCredentials, callerOf, parseTokenRequest, requireCaller } from '../../auth/index.ts';
import { RegistryError } from '../../errors/index.ts';
import type { TokenInfo } from '../../store/index.ts';
import { tokenKey } from '../../store/index.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses, security } from '../schemas/common.ts';
import { tokenListSchema, tokenRequestSchema, tokenSchema } from '../schemas/npm.ts';

/** Every token this registry issues starts so; the list shows only that (npm prints `token…`). */
const TOKEN_PREFIX = 'ereg_';
const KEY = /^[0-9a-f]{128}$/;

const listQuery = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 },
    perPage: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

/** A token as npm's token API shows it. */
function tokenView(info: TokenInfo) {
  return {
    key: info.key,
    token: TOKEN_PREFIX,
    name: info.name ?? null,
    readonly: info.readonly,
    cidr_whitelist: info.cidrWhitelist ?? null,
    created: info.createdAt,
    ...(info.expiresAt === undefined ? {} : { expires: info.expiresAt }),
  };
}

/** Who asks for a token, and the password that must be theirs. */
function credentialsOf(request: FastifyRequest, bodyPassword: string | undefined): { name: string; secret: string | undefined } {
  const basic = basicCredentials(request);
  if (basic) return { name: basic.name, secret: basic.password };
  const caller = callerOf(request);
  // basicOrAny let the request through: a Basic header that is not `name:password`.
  if (!caller) throw new RegistryError('AUTH_INVALID', { credentials: 'HTTP Basic credentials (not base64 of name:password)' });
  if (caller.role !== 'user') throw new RegistryError('FORBIDDEN', { action: 'creating a token', token: 'a user token (the admin token has no password and owns no tokens)' });
  return { name: caller.name, secret: bodyPassword };
}

export const tokenRoutes: FastifyPluginAsync<RouteContext> = async (app, { users, store, auth, publicUrl }) => {
  app.post<{ Body: unknown }>(
    '/-/npm/v1/tokens',
    {
      onRequest: auth.basicOrAny,
      schema: {
        tags: ['tokens'],
        operationId: 'createToken',
        summary: '`npm token create`: with a Bearer token and `{password}`, or with HTTP Basic `name:password` alone',
        security: security.basicOrBearer,
        body: tokenRequestSchema,
        response: { 201: { ...tokenSchema, description: 'The new token (`token`), shown once' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { password, options } = parseTokenRequest(request.body);
      // With Basic the header carries the password; with a Bearer token the body does (npm token create).
      const { name, secret } = credentialsOf(request, password);
      if (secret === undefined || secret === '') throw new RegistryError('REQUEST_INVALID', { field: 'password', problem: 'is required (in the body, or with HTTP Basic auth)' });
      if (!(await users.checkPassword(name, secret, request.ip))) throw new RegistryError('AUTH_INVALID', { credentials: `user name or password for ${name}` });
      const { token, info } = await store.tokens.issue(name, options);
      return reply.status(201).send({ ...tokenView(info), token });
    },
  );

  app.get<{ Querystring: { page: number; perPage: number } }>(
    '/-/npm/v1/tokens',
    {
      onRequest: auth.any,
      schema: {
        tags: ['tokens'],
        operationId: 'listTokens',
        summary: "`npm token list`: the caller's live tokens, newest first, by key (never the token)",
        security: security.bearer,
        querystring: listQuery,
        response: { 200: tokenListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const caller = requireCaller(request);
      if (caller.role !== 'user') throw new RegistryError('FORBIDDEN', { action: 'listing tokens', token: 'a user token (the admin token owns no tokens)' });
      const { page, perPage } = request.query;
      const { total, tokens } = await store.tokens.list(caller.name, { limit: perPage, offset: page * perPage });
      const more = (page + 1) * perPage < total;
      return { objects: tokens.map(tokenView), total, urls: more ? { next: `${publicUrl()}/-/npm/v1/tokens?page=${page + 1}&perPage=${perPage}` } : {} };
    },
  );

  app.delete<{ Params: { key: string } }>(
    '/-/npm/v1/tokens/token/:key',
    {
      onRequest: auth.writer,
      schema: {
        tags: ['tokens'],
        operationId: 'revokeToken',
        summary: "`npm token revoke`: a user revokes their own tokens, the admin any user's",
        security: security.bearer,
        params: { type: 'object', required: ['key'], properties: { key: { type: 'string', description: 'The key (sha512 hex) from the list, or the token itself' } } },
        response: { 204: { type: 'null', description: 'Revoked' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = requireCaller(request);
      // npm token revoke sends a key, or the token itself when that is what it was given.
      const key = KEY.test(request.params.key) ? request.params.key : tokenKey(request.params.key);
      // A user revokes their own tokens; the admin any user token.
      if (!(await store.tokens.revokeKey(key, caller.role === 'user' ? caller.name : undefined))) {
        throw new RegistryError('TOKEN_NOT_FOUND');
      }
      return reply.status(204).send();
    },
  );
};
