/**
 * The request as logged: Fastify's default fields, with secrets in the path redacted
 * (`DELETE /-/user/token/:token` carries the token being revoked in its URL, and
 * `DELETE /-/npm/v1/tokens/token/:key` may carry the token instead of its key).
 */
import { requestSerializer } from '@easel/common/http/request-serializer';

const TOKEN_PATH = /^(\/-\/(?:user\/token|npm\/v1\/tokens\/token)\/)[^?#]*/i;

export function redactUrl(url: string): string {
  return url.replace(TOKEN_PATH, '$1[redacted]');
}

export const serializeRequest = requestSerializer(redactUrl);
