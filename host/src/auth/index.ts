/**
 * Bearer-key authentication. Keys are stored hashed (store/apiKeys); a route declares the
 * role it needs. The roles are disjoint on purpose: an admin key manages plugins and keys
 * but runs no agent, an app key runs agents but changes nothing. Missing key: 401 AUTH_REQUIRED; unknown
 * key: 401 AUTH_INVALID; wrong role: 403 FORBIDDEN.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EaselError } from '../errors/index.ts';
import type { ApiKeyRepository } from '../store/index.ts';

export type Role = 'admin' | 'app';

export interface Principal {
  keyId: string;
  role: Role;
  label: string;
  /** The app (tenant) an app key belongs to; absent for admin keys. */
  appId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/;

/**
 * An onRequest hook that admits keys of `role` only. It runs before the body is read, so a
 * client without a key cannot make the host buffer or parse a large body.
 */
export function requireRole(keys: ApiKeyRepository, role: Role | readonly Role[]) {
  const roles: readonly Role[] = typeof role === 'string' ? [role] : role;
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const found = await principalOf(keys, request);
    if (!roles.includes(found.role)) {
      throw new EaselError('FORBIDDEN', { roles: roles.join(' or ') });
    }
    request.principal = found;
  };
}

/** The key the request carries, verified; AUTH_REQUIRED or AUTH_INVALID otherwise. */
export async function principalOf(keys: ApiKeyRepository, request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  if (header === undefined || header === '') throw new EaselError('AUTH_REQUIRED');
  const match = BEARER.exec(header);
  const found = match?.[1] === undefined ? undefined : await keys.verify(match[1]);
  if (!found) throw new EaselError('AUTH_INVALID');
  return { keyId: found.id, role: found.role, label: found.label, ...(found.appId === undefined ? {} : { appId: found.appId }) };
}

/**
 * Whose records a principal may read: undefined for an admin (every app), else its own app.
 * An app key always has one; '' (matching nothing) guards a key that somehow has none.
 */
export function appScopeOf(principal: Principal | undefined): string | undefined {
  return principal?.role === 'admin' ? undefined : (principal?.appId ?? '');
}

/**
 * The app a request is about, when it may name one (`named`): an admin's choice (undefined when
 * it names none), or an app key's own app. An app key naming another app gets APP_NOT_FOUND,
 * the answer an app that does not exist gets, so it learns nothing of other apps.
 */
export function appOf(principal: Principal | undefined, named: string | undefined): string | undefined {
  const own = appScopeOf(principal);
  if (own === undefined) return named;
  if (named !== undefined && named !== own) throw new EaselError('APP_NOT_FOUND', { app: named });
  return own;
}
