/** The request as the host logs it: a signed blob URL's signature never reaches the log. */
import { requestSerializer } from '@easel/common/http/request-serializer';

const SIGNATURE = /([?&]sig=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SIGNATURE, '$1[redacted]');
}

export const serializeRequest = requestSerializer(redactUrl);
