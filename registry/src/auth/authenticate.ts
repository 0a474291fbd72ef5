/**
 * Bearer-token authentication as onRequest hooks: they run before the body is read, so a
 * client without a valid token cannot make the registry buffer or parse a large publish.
 * Tokens are looked up by their sha512 (store/tokens); the admin token is one of them. A
 * token with an address list is refused from any other address, on every route.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../errors/index.ts';
import type { Principal, TokenRepository } from '../store/index.ts';
import { sendsBasic } from './basic.ts';
import { addressAllowed } from './client-address.ts';

// A WeakMap, not a FastifyRequest augmentation: the host augments requests with its own
// `principal`, and both packages are type-checked together.
const principals = new WeakMap<FastifyRequest, Principal>();

/** The caller a hook of this module authenticated; undefined on an anonymous request. */
export function callerOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

/** The caller of a route guarded by `any`, `writer` or `admin`. */
export function requireCaller(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (!principal) throw new RegistryError('AUTH_REQUIRED');
  return principal;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/i;

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface Authenticator {
  /** Sets `request.principal` when a valid token is sent; never refuses. */
  optional: Hook;
  /** A user or admin token. */
  any: Hook;
  /** A user or admin token that may write (not read-only). */
  writer: Hook;
  /** The admin token. */
  admin: Hook;
  /** Basic credentials pass untouched (the route checks the password); otherwise `any`. */
  basicOrAny: Hook;
}

export function createAuthenticator(tokens: TokenRepository): Authenticator {
  const resolve = async (request: FastifyRequest): Promise<Principal | undefined> => {
    const header = request.headers.authorization;
    if (header === undefined || header === '') return undefined;
    const match = BEARER.exec(header);
    const principal = match?.[1] === undefined ? undefined : await tokens.resolve(match[1]);
    if (!principal) throw new RegistryError('AUTH_INVALID', { credentials: 'token (unknown, revoked or expired)' });
    if (principal.role === 'user' && principal.cidrWhitelist !== undefined && !addressAllowed(request.ip, principal.cidrWhitelist)) {
      throw new RegistryError('TOKEN_ADDRESS_DENIED', { addresses: principal.cidrWhitelist.join(', ') });
    }
    return principal;
  };
  const required = async (request: FastifyRequest): Promise<Principal> => {
    const principal = await resolve(request);
    if (!principal) throw new RegistryError('AUTH_REQUIRED');
    principals.set(request, principal);
    return principal;
  };
  return {
    optional: async (request) => {
      // A bad token on a read route is still an error: silently reading anonymously would hide it.
      const principal = await resolve(request);
      if (principal) principals.set(request, principal);
    },
    any: async (request) => {
      await required(request);
    },
    writer: async (request) => {
      const principal = await required(request);
      if (principal.role === 'user' && principal.readonly) {
        throw new RegistryError('TOKEN_READ_ONLY');
      }
    },
    admin: async (request) => {
      const principal = await required(request);
      if (principal.role !== 'admin') throw new RegistryError('FORBIDDEN', { action: 'this route', token: 'the admin token' });
    },
    basicOrAny: async (request) => {
      if (!sendsBasic(request)) await required(request);
    },
  };
}
