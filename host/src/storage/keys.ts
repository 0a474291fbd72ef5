/**
 * Plugin storage keys and content types, checked and normalized before anything touches the
 * store. Keys only ever name metadata rows in the plugin's own namespace (objects get random
 * host-made keys), so normalization is about one key meaning one object: `a//b/` is `a/b`,
 * NFC Unicode, and `.`/`..` segments are refused rather than resolved.
 */
import { EaselError } from '../errors/index.ts';

// Control characters make keys ambiguous in logs, listings and headers.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// type/subtype with optional parameters; no quotes or control characters (they end up in a header).
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(;\s?[a-z0-9!#$&^_.+-]{1,64}=[a-z0-9!#$&^_.+-]{1,128}){0,4}$/;

function segmentsOf(raw: unknown, name: string, maxLength: number): string[] {
  if (typeof raw !== 'string') throw new EaselError('STORAGE_KEY_INVALID', { name, reason: 'it must be a string' });
  // A lone surrogate has no UTF-8 form: SQLite would store it as U+FFFD, merging distinct keys.
  if (!raw.isWellFormed()) throw new EaselError('STORAGE_KEY_INVALID', { name, reason: 'it must be well-formed Unicode (no lone surrogates)' });
  const text = raw.normalize('NFC');
  if (CONTROL.test(text)) throw new EaselError('STORAGE_KEY_INVALID', { name, reason: 'it must not contain control characters' });
  const segments = text.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) throw new EaselError('STORAGE_KEY_INVALID', { name, reason: 'it must not contain . or .. segments' });
  if ([...segments.join('/')].length > maxLength) throw new EaselError('STORAGE_KEY_INVALID', { name, reason: `it is longer than ${maxLength} characters` });
  return segments;
}

/** A normalized, non-empty key. */
export function normalizeKey(raw: unknown, maxLength: number): string {
  const key = segmentsOf(raw, 'key', maxLength).join('/');
  if (key === '') throw new EaselError('STORAGE_KEY_INVALID', { name: 'key', reason: 'it must name an object (it is empty once normalized)' });
  return key;
}

/** A normalized prefix; a trailing `/` is kept, so `images/` does not match `images2`. */
export function normalizePrefix(raw: unknown, maxLength: number): string {
  if (raw === undefined || raw === null) return '';
  const joined = segmentsOf(raw, 'prefix', maxLength).join('/');
  return joined !== '' && (raw as string).endsWith('/') ? `${joined}/` : joined;
}

/** A lower-cased content type, or STORAGE_KEY_INVALID. */
export function normalizeContentType(raw: unknown): string {
  const type = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (!CONTENT_TYPE.test(type)) throw new EaselError('STORAGE_KEY_INVALID', { name: 'contentType', reason: 'it must be a media type such as image/png' });
  return type;
}
