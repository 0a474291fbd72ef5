/**
 * A regular-expression engine for ajv that runs in linear time (RE2 semantics, via re2js),
 * so a `pattern` in a plugin's schema cannot stall the process validating with it
 * (`^(a|a)*$` against "aaaa…b" backtracks exponentially in V8's engine). RE2 has no
 * backreferences or lookaround; such patterns fail to compile, so `easel validate` refuses
 * them before the host ever sees them.
 */
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';

function linearRegExp(pattern: string): RegExpLike {
  const compiled = RE2JS.compile(pattern);
  const rx: RegExpLike & { toString(): string } = {
    // ajv's `pattern` is unanchored, like RegExp.prototype.test: find a match anywhere.
    test: (s: string) => compiled.matcher(s).find(),
    // ajv caches compiled patterns by this string, so it must name the pattern.
    toString: () => `/${pattern}/re2`,
  };
  return rx;
}

/** Pass as ajv's `code: { regExp: linearRegExpEngine }`. */
export const linearRegExpEngine: RegExpEngine = Object.assign(linearRegExp, { code: 'linearRegExp' });
