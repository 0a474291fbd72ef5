/**
 * The body of `POST /-/npm/v1/tokens` as npm 11 (`npm token create`) and scripts send it:
 * `{password, readonly?, cidr_whitelist?, name?, expires?}`, plus npm's granular-token
 * fields. Restrictions this registry cannot enforce (per package, scope or org) are refused
 * rather than ignored, so nobody is handed a broader token than they asked for.
 */
import { RegistryError } from '../errors/index.ts';
import type { TokenOptions } from '../store/index.ts';
import { parseCidr } from './client-address.ts';

type Json = Record<string, unknown>;

const MAX_NAME = 128;
const MAX_CIDRS = 32;
const MAX_EXPIRY_DAYS = 3650;
/** Accepted and ignored: they restrict nothing. */
const IGNORED = new Set(['description', 'bypass_2fa', 'packages_all']);
/** Restrictions to some packages, scopes or orgs: refused when set. */
const UNSUPPORTED = new Set(['packages', 'scopes', 'orgs', 'orgs_permission']);
const KNOWN = new Set(['password', 'readonly', 'cidr_whitelist', 'name', 'expires', 'packages_and_scopes_permission', ...IGNORED, ...UNSUPPORTED]);

export interface TokenRequest {
  password?: string;
  options: TokenOptions;
}

const invalid = (path: string, message: string) => new RegistryError('REQUEST_INVALID', { field: path, problem: message }, { problems: [{ path, message }] });

export function parseTokenRequest(body: unknown, now: Date = new Date()): TokenRequest {
  if (body === undefined || body === null) return { options: {} };
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid('/', 'must be a JSON object');
  const b = body as Json;
  for (const key of Object.keys(b)) {
    if (!KNOWN.has(key)) throw invalid(`/${key}`, 'is not a field of a token request');
    const value = b[key];
    const empty = value === undefined || value === null || value === false || (Array.isArray(value) && value.length === 0) || value === '';
    if (UNSUPPORTED.has(key) && !empty) throw invalid(`/${key}`, 'is not supported: tokens of this registry act for all of your packages');
  }
  if (b.password !== undefined && typeof b.password !== 'string') throw invalid('/password', 'must be a string');
  if (b.readonly !== undefined && typeof b.readonly !== 'boolean') throw invalid('/readonly', 'must be a boolean');
  const permission = b.packages_and_scopes_permission;
  if (permission !== undefined && permission !== 'read-only' && permission !== 'read-write') {
    throw invalid('/packages_and_scopes_permission', 'must be read-only or read-write');
  }
  const options: TokenOptions = {};
  if (b.readonly === true || permission === 'read-only') options.readonly = true;
  if (b.name !== undefined && b.name !== null && b.name !== '') {
    if (typeof b.name !== 'string' || b.name.length > MAX_NAME) throw invalid('/name', `must be a string of at most ${MAX_NAME} characters`);
    options.name = b.name;
  }
  const cidrs = b.cidr_whitelist;
  if (cidrs !== undefined && cidrs !== null) {
    if (!Array.isArray(cidrs) || cidrs.length > MAX_CIDRS) throw invalid('/cidr_whitelist', `must be an array of at most ${MAX_CIDRS} CIDRs`);
    cidrs.forEach((c, i) => {
      if (typeof c !== 'string' || !parseCidr(c)) throw invalid(`/cidr_whitelist/${i}`, 'must be a CIDR such as 10.0.0.0/8');
    });
    if (cidrs.length > 0) options.cidrWhitelist = cidrs as string[];
  }
  if (b.expires !== undefined && b.expires !== null) {
    if (!Number.isInteger(b.expires) || (b.expires as number) < 1 || (b.expires as number) > MAX_EXPIRY_DAYS) {
      throw invalid('/expires', `must be a whole number of days, 1 to ${MAX_EXPIRY_DAYS}`);
    }
    options.expiresAt = new Date(now.getTime() + (b.expires as number) * 86_400_000).toISOString();
  }
  return { ...(typeof b.password === 'string' ? { password: b.password } : {}), options };
}
