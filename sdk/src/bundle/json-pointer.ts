/** JSON pointer helpers (RFC 6901) for problem paths. */

/** Escapes one reference token: `~` -> `~0`, `/` -> `~1`. */
export function escapeToken(token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Joins a pointer and more tokens: `pointer('/agents', 0, 'type')` -> `/agents/0/type`. */
export function pointer(base: string, ...tokens: (string | number)[]): string {
  const root = base === '/' ? '' : base;
  return root + tokens.map((t) => `/${escapeToken(t)}`).join('');
}
