/** How both stores scan a key prefix: a range in code point order. */

const MAX_CODE_POINT = 0x10ffff;

/**
 * The smallest string greater than every string starting with `prefix`, in SQLite's order
 * (UTF-8 bytes, i.e. code points); undefined when there is none. A range scan instead of LIKE,
 * so `%` and `_` are plain characters and the primary key index is used.
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix].map((c) => c.codePointAt(0) as number);
  while (points.length > 0) {
    const last = points.pop() as number;
    if (last < MAX_CODE_POINT) {
      // Skip the surrogate block: it has no UTF-8 form.
      points.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}
