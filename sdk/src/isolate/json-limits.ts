/**
 * How deep and how big a JSON value the host takes, from an app (inputs) or from a plugin
 * (outputs, bridge arguments), before anything stringifies, stores or copies it. Deep values
 * break things that recurse: `JSON.stringify` overflows its stack at a few thousand levels,
 * SQLite's JSON functions (`json_valid` in the store's CHECK constraints) refuse more than
 * 1,000, and ajv recurses with the data. Wide values cost memory and time out of proportion
 * to their bytes. The host and the SDK's test kit check with this one module, so a test
 * refuses what a host refuses.
 *
 * Both checks are loops over an explicit stack, never recursion: they are what stands between
 * a hostile value and a stack overflow.
 */

export interface JsonLimits {
  /** Most levels of nested objects and arrays (`{}` is one level, `{"a": []}` two). */
  maxDepth: number;
  /** Most values in all (objects, arrays, strings, numbers, booleans, nulls; keys are not values). */
  maxNodes: number;
}

/**
 * A default host's limits (`EASEL_JSON_MAX_DEPTH`, `EASEL_JSON_MAX_NODES`): far below the
 * 1,000 levels SQLite's JSON functions take (events wrap a value a level or two deeper) and
 * the few thousand `JSON.stringify` survives.
 */
export const HOST_DEFAULT_JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({ maxDepth: 64, maxNodes: 100_000 });

/**
 * The most `EASEL_JSON_MAX_DEPTH` may be set to: half the 1,000 levels SQLite's JSON functions
 * take, so the levels a stored event or row adds around a value never reach them. Values the
 * configured limit does not cover (a model's structured answer) are held to it.
 */
export const JSON_DEPTH_CEILING = 512;

export interface JsonLimitProblem {
  /** JSON pointer: the first object or array past the depth limit, or `/` for the value count. */
  path: string;
  /** Names the limit, e.g. `nests objects and arrays deeper than 64 levels (EASEL_JSON_MAX_DEPTH)`. */
  message: string;
  limit: 'maxDepth' | 'maxNodes';
}

const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer);
/** RFC 6901 escaping, as ajv writes `instancePath`. */
const segment = (key: string | number): string => (typeof key === 'number' ? String(key) : key.replace(/~/g, '~0').replace(/\//g, '~1'));
/** A pointer is cut at this length: the path of a deep value through long keys could be megabytes. */
const MAX_PATH = 1024;

function pointer(keys: readonly (string | number)[]): string {
  if (keys.length === 0) return '/';
  let path = '';
  for (const key of keys) {
    path += `/${segment(key)}`;
    if (path.length > MAX_PATH) return `${path.slice(0, MAX_PATH)}…`;
  }
  return path;
}

const tooDeep = (keys: readonly (string | number)[], limits: JsonLimits): JsonLimitProblem => ({
  path: pointer(keys),
  message: `nests objects and arrays deeper than ${limits.maxDepth} levels (EASEL_JSON_MAX_DEPTH)`,
  limit: 'maxDepth',
});
const tooMany = (limits: JsonLimits): JsonLimitProblem => ({ path: '/', message: `has more than ${limits.maxNodes} values (EASEL_JSON_MAX_NODES)`, limit: 'maxNodes' });

interface Frame {
  value: Record<string | number, unknown>;
  /** Own enumerable keys of an object (what JSON.stringify visits); undefined for an array. */
  keys: string[] | undefined;
  length: number;
  next: number;
  /** Where this container sits in its parent. */
  at: string | number;
}

const frame = (value: object, at: string | number): Frame => {
  const keys = Array.isArray(value) ? undefined : Object.keys(value);
  return { value: value as Record<string | number, unknown>, keys, length: keys ? keys.length : (value as unknown[]).length, next: 0, at };
};

/**
 * The first limit a parsed value passes, or undefined. Byte arrays (byte fields) count as one
 * value. Walks in document order, so the path names the first container too deep.
 *
 * @example
 * ```ts
 * jsonLimitProblem({ a: { b: {} } }, { maxDepth: 2, maxNodes: 100 });
 * // { path: '/a/b', message: 'nests objects and arrays deeper than 2 levels (EASEL_JSON_MAX_DEPTH)', limit: 'maxDepth' }
 * ```
 */
export function jsonLimitProblem(value: unknown, limits: JsonLimits): JsonLimitProblem | undefined {
  if (limits.maxNodes < 1) return tooMany(limits);
  if (!isContainer(value)) return undefined;
  if (limits.maxDepth < 1) return tooDeep([], limits);
  let nodes = 1;
  const frames: Frame[] = [frame(value, '')];
  while (frames.length > 0) {
    const top = frames[frames.length - 1] as Frame;
    if (top.next >= top.length) {
      frames.pop();
      continue;
    }
    const key = top.keys ? (top.keys[top.next] as string) : top.next;
    top.next += 1;
    nodes += 1;
    if (nodes > limits.maxNodes) return tooMany(limits);
    const child = top.value[key];
    if (!isContainer(child)) continue;
    if (frames.length >= limits.maxDepth) return tooDeep([...frames.slice(1).map((f) => f.at), key], limits);
    frames.push(frame(child, key));
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
/** Where the structure is: strings, brackets and commas. Runs of anything else are skipped natively. */
const STRUCTURE = /["{}[\],]/g;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The end quote of the string starting at `start`, or -1. Linear in the string's length, escapes or not. */
function stringEnd(text: string, start: number): number {
  const quote = text.indexOf('"', start + 1);
  if (quote < 0) return -1;
  // Most strings have no escape: the first quote ends them.
  if (!text.slice(start + 1, quote).includes('\\')) return quote;
  for (let k = start + 1; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === BACKSLASH) k++;
    else if (c === QUOTE) return k;
  }
  return -1;
}

/**
 * The same check on JSON text, before it is parsed: a body of a few megabytes of `[` parses
 * into millions of nested arrays (hundreds of MB) before any check on the value could run.
 * One pass that visits only strings, brackets and commas (a regular expression skips the
 * rest, `indexOf` the inside of strings), stopping at the first limit passed. Values are
 * counted as the root, plus one per comma, plus one per container that is not empty.
 * Text that is not JSON is left for the parser to refuse (whatever this answers for it).
 *
 * @example
 * ```ts
 * jsonTextLimitProblem('[[[]]]', { maxDepth: 2, maxNodes: 100 }); // path '/0/0'
 * ```
 */
export function jsonTextLimitProblem(text: string, limits: JsonLimits): JsonLimitProblem | undefined {
  // Per open container: whether it is an object, and where its current member sits.
  const objects: boolean[] = [];
  const keyAt: number[] = [];
  const keyEnd: number[] = [];
  const index: number[] = [];
  let expectKey = false;
  let first = 0;
  while (first < text.length && isSpace(text.charCodeAt(first))) first++;
  if (first === text.length) return undefined;
  let nodes = 1;
  if (nodes > limits.maxNodes) return tooMany(limits);
  const path = () => {
    const keys: (string | number)[] = [];
    for (let d = 0; d < objects.length; d++) {
      if (!objects[d]) keys.push(index[d] as number);
      else {
        const raw = text.slice(keyAt[d] as number, (keyEnd[d] as number) + 1);
        try {
          keys.push(JSON.parse(raw) as string);
        } catch {
          keys.push(raw.slice(1, -1));
        }
      }
    }
    return keys;
  };
  const structure = new RegExp(STRUCTURE);
  structure.lastIndex = first;
  for (let found = structure.exec(text); found !== null; found = structure.exec(text)) {
    const i = found.index;
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      const top = objects.length - 1;
      if (top >= 0 && objects[top] && expectKey) {
        keyAt[top] = i;
        keyEnd[top] = end;
        expectKey = false;
      }
      structure.lastIndex = end + 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (objects.length >= limits.maxDepth) return tooDeep(path(), limits);
      objects.push(c === OPEN_OBJECT);
      index.push(0);
      keyAt.push(-1);
      keyEnd.push(-1);
      expectKey = c === OPEN_OBJECT;
      let next = i + 1;
      while (next < text.length && isSpace(text.charCodeAt(next))) next++;
      const close = text.charCodeAt(next);
      if (close !== CLOSE_OBJECT && close !== CLOSE_ARRAY && ++nodes > limits.maxNodes) return tooMany(limits);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      objects.pop();
      index.pop();
      keyAt.pop();
      keyEnd.pop();
      expectKey = false;
    } else {
      // A comma: one more value in the open container.
      if (++nodes > limits.maxNodes) return tooMany(limits);
      const top = objects.length - 1;
      if (objects[top]) expectKey = true;
      else if (top >= 0) index[top] = (index[top] as number) + 1;
    }
  }
  return undefined;
}
