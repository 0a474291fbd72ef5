/**
 * The request as logged: Fastify's default fields, with secrets in the path redacted
 * (`DELETE /-/user/token/:token` carries the token being revoked in its URL).
 */
import type { FastifyRequest } from 'fastify';

const TOKEN_PATH = /^(\/-\/user\/token\/)[^?#]*/i;

export function redactUrl(url: string): string {
  return url.replace(TOKEN_PATH, '$1[redacted]');
}

export function serializeRequest(request: FastifyRequest): { method: string; url: string; version?: string; host: string; remoteAddress: string; remotePort?: number } {
  const version = request.headers?.['accept-version'];
  return {
    method: request.method,
    url: redactUrl(request.url),
    ...(typeof version === 'string' ? { version } : {}),
    host: request.host,
    remoteAddress: request.ip,
    ...(request.socket?.remotePort === undefined ? {} : { remotePort: request.socket.remotePort }),
  };
}
