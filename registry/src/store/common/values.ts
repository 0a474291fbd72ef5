/** Small helpers shared by the SQLite and PostgreSQL repositories. */
import { createHash, randomBytes } from 'node:crypto';

export const now = (): string => new Date().toISOString();

/** NULL columns become absent properties, not `undefined` ones. */
export function defined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

/** sha512 hex of a token: what npm calls the token's `key`. */
export const tokenKey = (token: string): string => createHash('sha512').update(token, 'utf8').digest('hex');

/** `\`-escapes LIKE's wildcards so user text matches literally (both stores use `ESCAPE '\'`). */
export const likeEscape = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The words of a search query as both stores match them: lowercase, at most 8. */
export const searchWords = (text: string): string[] => text.toLowerCase().split(/\s+/).filter((w) => w !== '').slice(0, 8);

/** A new user token (shown once; only its key is stored). */
export const newUserToken = (): string => `ereg_${randomBytes(32).toString('base64url')}`;
