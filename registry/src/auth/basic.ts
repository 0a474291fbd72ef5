/** HTTP Basic credentials (`Authorization: Basic base64(name:password)`), or undefined. */
import type { FastifyRequest } from 'fastify';

const BASIC = /^Basic ([A-Za-z0-9+/=]+)$/i;

export function basicCredentials(request: FastifyRequest): { name: string; password: string } | undefined {
  const match = BASIC.exec(request.headers.authorization ?? '');
  if (!match?.[1]) return undefined;
  const text = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { name: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** True when the request carries Basic credentials (whatever they are). */
export function sendsBasic(request: FastifyRequest): boolean {
  return /^Basic /i.test(request.headers.authorization ?? '');
}
