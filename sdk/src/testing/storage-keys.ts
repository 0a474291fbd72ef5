/**
 * Storage keys and content types as the host checks them: one key means one object
 * (`a//b/` is `a/b`, NFC Unicode), `.` and `..` segments are refused rather than resolved,
 * and no control character reaches a listing or a header.
 */
import { EaselError } from './errors.ts';

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// type/subtype, optionally parameters; no quotes or control characters.
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(;\s?[a-z0-9!#$&^_.+-]{1,64}=[a-z0-9!#$&^_.+-]{1,128}){0,4}$/;

/** The host's default EASEL_STORAGE_MAX_KEY_LENGTH. */
export const MAX_KEY_LENGTH = 512;

const refuse = (message: string): never => {
  throw new EaselError('STORAGE_KEY_INVALID', message);
};

/** The non-empty segments of a key or prefix, after every check. */
function segments(raw: unknown, what: 'key' | 'prefix' | 'after'): string[] {
  if (typeof raw !== 'string') return refuse(`${what} must be a string`);
  if (!raw.isWellFormed()) return refuse(`${what} must be well-formed Unicode (no lone surrogates)`);
  const normalized = raw.normalize('NFC');
  if (CONTROL_CHARACTERS.test(normalized)) return refuse(`${what} must not contain control characters`);
  const parts = normalized.split('/').filter(Boolean);
  if (parts.includes('.') || parts.includes('..')) return refuse(`${what} must not contain . or .. segments`);
  if ([...parts.join('/')].length > MAX_KEY_LENGTH) return refuse(`${what} is longer than ${MAX_KEY_LENGTH} characters`);
  return parts;
}

/** A normalized key naming an object. */
export function storageKey(raw: unknown, what: 'key' | 'after' = 'key'): string {
  const key = segments(raw, what).join('/');
  return key === '' ? refuse(`${what} must name an object (it is empty once normalized)`) : key;
}

/** A normalized prefix; a trailing `/` stays, so `images/` does not match `images2`. */
export function storagePrefix(raw: unknown): string {
  if (raw === undefined || raw === null) return '';
  const joined = segments(raw, 'prefix').join('/');
  return joined !== '' && String(raw).endsWith('/') ? `${joined}/` : joined;
}

/** A lower-cased media type such as `image/png`. */
export function mediaType(raw: unknown): string {
  const type = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  return MEDIA_TYPE.test(type) ? type : refuse('contentType must be a media type such as image/png');
}
