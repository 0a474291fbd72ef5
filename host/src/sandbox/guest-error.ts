/**
 * What a guest may learn from a failed bridge call: a stable code and a scrubbed message.
 * EaselErrors keep their code and their message minus anything that looks like a path, a
 * URL or a credential; any other error becomes INTERNAL_ERROR with its table message, which
 * carries nothing of the error (the full error goes to the host log only).
 */
import { errorMessage, isErrorCode, type ErrorCode } from '../errors/index.ts';

const MAX_MESSAGE = 500;
const SCRUB: [RegExp, string][] = [
  [/[a-z][a-z0-9+.-]*:\/\/[^\s'"`]+/gi, '<url>'],
  [/(?:[A-Za-z]:)?(?:[\\/][^\s\\/'"`:]+){2,}[\\/]?/g, '<path>'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{12,}\b/g, '<secret>'],
  [/\b[A-Za-z0-9/+=]{40}\b/g, '<secret>'],
];

export interface GuestError {
  code: ErrorCode;
  message: string;
  /** True when the original error was not an EaselError (worth a host log line). */
  unexpected: boolean;
}

export function scrub(message: string): string {
  let out = message;
  for (const [pattern, replacement] of SCRUB) out = out.replace(pattern, replacement);
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

export function toGuestError(err: unknown): GuestError {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null;
  if (e && e.name === 'EaselError' && isErrorCode(e.code) && typeof e.message === 'string') {
    return { code: e.code, message: scrub(e.message), unexpected: false };
  }
  return { code: 'INTERNAL_ERROR', message: errorMessage('INTERNAL_ERROR', { reference: 'the execution id' }), unexpected: true };
}
