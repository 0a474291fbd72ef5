/** Checks on a generated game before it is handed out. */
import { jsonForScript } from './escape.ts';
import { FEATURES, SCRIPT_HEAD, SCRIPT_TAIL } from './template.ts';

export type ParseCheck = 'function-constructor' | 'template-invariant';

export interface Checks {
  parses: boolean;
  parseCheck: ParseCheck;
  safeInHtml: boolean;
  bytes: number;
  features: (keyof typeof FEATURES)[];
}

/**
 * Whether the script parses, by compiling it with `new Function` (which parses without running).
 * Where the sandbox forbids compiling strings (an EvalError), fall back to a proof from the
 * shape: the script must be exactly the template's head and tail (their parse is tested with the
 * plugin) around a canonical JSON literal from jsonForScript, and a JSON text is a JavaScript
 * expression. Both hold or it does not count as parsing.
 */
export function checkParses(script: string): { parses: boolean; parseCheck: ParseCheck; error?: string } {
  try {
    new Function(script);
    return { parses: true, parseCheck: 'function-constructor' };
  } catch (error) {
    if (error instanceof SyntaxError) return { parses: false, parseCheck: 'function-constructor', error: error.message };
    return { parses: templateInvariantHolds(script), parseCheck: 'template-invariant' };
  }
}

export function templateInvariantHolds(script: string): boolean {
  if (!script.startsWith(SCRIPT_HEAD) || !script.endsWith(SCRIPT_TAIL) || script.length < SCRIPT_HEAD.length + SCRIPT_TAIL.length) return false;
  const literal = script.slice(SCRIPT_HEAD.length, script.length - SCRIPT_TAIL.length);
  try {
    return jsonForScript(JSON.parse(literal)) === literal;
  } catch {
    return false;
  }
}

/** Nothing in the script can end its <script> element or open an HTML comment inside it. */
export function safeInHtml(script: string): boolean {
  return !/<\/script|<!--|<script/i.test(script);
}

export function checkGame(script: string, html: string): { checks: Checks; error?: string } {
  const { error, ...parse } = checkParses(script);
  const features = (Object.keys(FEATURES) as (keyof typeof FEATURES)[]).filter((f) => script.includes(FEATURES[f]));
  return { checks: { ...parse, safeInHtml: safeInHtml(script), bytes: html.length, features }, ...(error ? { error } : {}) };
}
