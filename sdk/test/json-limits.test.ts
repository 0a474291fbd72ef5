/**
 * The JSON limits the host and the test kit share: depth and value count, on a parsed value
 * and on text before it is parsed. The two checks must agree on every value, and the test kit
 * refuses with them what a default host refuses.
 */
import { describe, expect, test } from 'vitest';
import { definePlugin } from '../src/index.ts';
import { HOST_DEFAULT_JSON_LIMITS, jsonLimitProblem, jsonTextLimitProblem, type JsonLimits } from '../src/isolate/json-limits.ts';
import { testPlugin } from '../src/testing/index.ts';
import { manifestWith } from './testing-helpers.ts';

const limits = (maxDepth: number, maxNodes = 1_000_000): JsonLimits => ({ maxDepth, maxNodes });
/** Both checks on one value: the parsed one and its text. */
const both = (text: string, l: JsonLimits) => [jsonLimitProblem(JSON.parse(text), l), jsonTextLimitProblem(text, l)];

describe('depth', () => {
  test.each([
    ['1', 0],
    ['"text"', 0],
    ['{}', 1],
    ['[]', 1],
    ['{"a":[]}', 2],
    ['[1,[2,[3]],{"b":{"c":null}}]', 3],
  ])('%s is %i levels deep: taken at that limit, refused one below', (text, depth) => {
    expect(both(text, limits(Math.max(depth, 1)))).toEqual([undefined, undefined]);
    if (depth > 1) {
      const [parsed, raw] = both(text, limits(depth - 1));
      expect(parsed?.limit).toBe('maxDepth');
      expect(raw).toEqual(parsed);
    }
  });

  test('the path names the first container past the limit, in document order', () => {
    const text = '{"ok":{"x":1},"list":[0,{"deep":[[]]}],"later":[[[]]]}';
    const expected = { path: '/list/1/deep', limit: 'maxDepth', message: 'nests objects and arrays deeper than 3 levels (EASEL_JSON_MAX_DEPTH)' };
    expect(both(text, limits(3))).toEqual([expected, expected]);
  });

  test('keys with / and ~ are escaped as JSON pointers; escaped quotes in keys are read', () => {
    const text = '{"a/b":{"c~d":{"say \\"hi\\"":{}}}}';
    const [parsed, raw] = both(text, limits(3));
    expect(parsed?.path).toBe('/a~1b/c~0d/say "hi"');
    expect(raw).toEqual(parsed);
  });

  test('strings full of brackets, quotes and backslashes are not structure', () => {
    const text = JSON.stringify({ s: '[[[[{{{{"\\\\"', t: ['\\', '"[', '\\"{'] });
    expect(both(text, limits(2))).toEqual([undefined, undefined]);
  });

  test('a string ending in an escaped backslash ends at its quote', () => {
    const text = String.raw`{"k\\":{"v":"a\\","w":"\"["},"z":[[]]}`;
    expect(JSON.parse(text)).toEqual({ 'k\\': { v: 'a\\', w: '"[' }, z: [[]] });
    const expected = { path: '/z/0', limit: 'maxDepth', message: 'nests objects and arrays deeper than 2 levels (EASEL_JSON_MAX_DEPTH)' };
    expect(both(text, limits(2))).toEqual([expected, expected]);
  });

  test('5,000 and 1,000,000 levels: refused without overflowing the stack', () => {
    const deepText = (n: number) => `${'{"a":'.repeat(n)}{}${'}'.repeat(n)}`;
    expect(jsonTextLimitProblem(deepText(5000), HOST_DEFAULT_JSON_LIMITS)?.path).toBe('/a'.repeat(64));
    expect(jsonTextLimitProblem(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`, HOST_DEFAULT_JSON_LIMITS)?.path).toBe('/0'.repeat(64));
    // The value walker too, on a value built in a loop (JSON.stringify of it would overflow).
    let value: unknown = {};
    for (let i = 0; i < 100_000; i++) value = { a: value };
    expect(jsonLimitProblem(value, HOST_DEFAULT_JSON_LIMITS)?.path).toBe('/a'.repeat(64));
    expect(jsonLimitProblem(value, { maxDepth: 200_000, maxNodes: 1_000_000 })).toBeUndefined();
  });

  test('a very long path is cut', () => {
    const key = 'k'.repeat(300);
    const text = `${`{"${key}":`.repeat(10)}{}${'}'.repeat(10)}`;
    const [parsed, raw] = both(text, limits(5));
    expect(parsed?.path.length).toBeLessThanOrEqual(1025);
    expect(parsed?.path.endsWith('…')).toBe(true);
    expect(raw).toEqual(parsed);
  });
});

describe('values', () => {
  test.each([
    ['1', 1],
    ['{}', 1],
    ['{"a":1,"b":"x"}', 3],
    ['[true,false,null,-1.5e3,"s",[],{}]', 8],
    ['{"a":{"b":[1,2,{"c":"d"}]}}', 7],
  ])('%s has %i values: taken at that limit, refused one below', (text, count) => {
    expect(both(text, limits(10, count))).toEqual([undefined, undefined]);
    const expected = { path: '/', limit: 'maxNodes', message: `has more than ${count - 1} values (EASEL_JSON_MAX_NODES)` };
    expect(both(text, limits(10, count - 1))).toEqual([expected, expected]);
  });

  test('white space and keys are not values', () => {
    const text = ' { "a" : [ 1 , 2 ] ,\n\t"b" : { } } ';
    expect(both(text, limits(10, 5))).toEqual([undefined, undefined]);
    expect(both(text, limits(10, 4)).map((p) => p?.limit)).toEqual(['maxNodes', 'maxNodes']);
  });

  test('byte arrays count as one value', () => {
    expect(jsonLimitProblem({ image: new Uint8Array(1_000_000) }, limits(1, 2))).toBeUndefined();
    expect(jsonLimitProblem({ image: Buffer.alloc(10) }, limits(1, 1))?.limit).toBe('maxNodes');
  });

  test('a wide array stops at the limit', () => {
    const text = `[${new Array(200_000).fill('0').join(',')}]`;
    const expected = { path: '/', limit: 'maxNodes', message: 'has more than 100000 values (EASEL_JSON_MAX_NODES)' };
    expect(both(text, HOST_DEFAULT_JSON_LIMITS)).toEqual([expected, expected]);
  });
});

test('text that is not JSON is left to the parser', () => {
  expect(jsonTextLimitProblem('{"a": "unterminated', limits(5))).toBeUndefined();
  expect(jsonTextLimitProblem('not json at all', limits(5))).toBeUndefined();
});

describe('the test kit refuses what a default host refuses', () => {
  const nested = (levels: number) => {
    let value: unknown = {};
    for (let i = 1; i < levels; i++) value = { a: value };
    return value;
  };
  const definition = definePlugin({
    agents: {
      tool: {
        capabilities: {
          use: async (input: { give?: number; store?: number; progress?: number }, ctx) => {
            if (input.store !== undefined) await ctx.kv.set('deep', nested(input.store));
            if (input.progress !== undefined) await ctx.progress('deep', nested(input.progress));
            return input.give === undefined ? { ok: true } : { x: nested(input.give) };
          },
        },
      },
    },
  });
  const plugin = () => testPlugin(definition, manifestWith({ kv: true }));

  test('an input past the limits is INPUT_INVALID naming the limit; at the limit it is taken', async () => {
    await expect(plugin().invoke('tool', 'use', { x: nested(1000) })).rejects.toMatchObject({ code: 'INPUT_INVALID', details: { problems: [{ path: `/x${'/a'.repeat(63)}`, message: expect.stringContaining('EASEL_JSON_MAX_DEPTH') }] } });
    await expect(plugin().invoke('tool', 'use', { x: new Array(100_000).fill(0) })).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('EASEL_JSON_MAX_NODES') });
    expect(await plugin().invoke('tool', 'use', { x: nested(63) })).toEqual({ ok: true });
  });

  test('an output past the limits is OUTPUT_INVALID', async () => {
    await expect(plugin().invoke('tool', 'use', { give: 100 })).rejects.toMatchObject({ code: 'OUTPUT_INVALID', message: expect.stringContaining('EASEL_JSON_MAX_DEPTH') });
  });

  test('kv values and progress data past the limits are BRIDGE_ARGUMENT_INVALID, and nothing is kept', async () => {
    const kit = plugin();
    await expect(kit.invoke('tool', 'use', { store: 100 })).rejects.toMatchObject({ code: 'BRIDGE_ARGUMENT_INVALID' });
    await expect(kit.invoke('tool', 'use', { progress: 100 })).rejects.toMatchObject({ code: 'BRIDGE_ARGUMENT_INVALID' });
    expect(kit.readKv()).toEqual({});
    expect(kit.recorded.progress).toEqual([]);
  });
});
