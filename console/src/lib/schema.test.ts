import { describe, expect, test } from 'vitest';
import { alternatives, altIndexFor, altLabel, initialValue, pointer, problemsByField, setAt } from './schema.ts';

describe('schema helpers of the generated forms', () => {
  test('initialValue takes defaults only', () => {
    expect(initialValue({ type: 'object', properties: { a: { type: 'integer', default: 1 }, b: { type: 'string' }, c: { type: 'object', properties: { d: { default: 'x' } } } } })).toEqual({ a: 1, c: { d: 'x' } });
  });

  test('setAt sets and removes without touching the original', () => {
    const root = { a: 1, b: { c: 2 } };
    expect(setAt(root, ['b', 'd'], 3)).toEqual({ a: 1, b: { c: 2, d: 3 } });
    expect(setAt(root, ['a'], undefined)).toEqual({ b: { c: 2 } });
    expect(setAt({ b: { c: 2 } }, ['b', 'c'], undefined)).toEqual({});
    expect(root).toEqual({ a: 1, b: { c: 2 } });
  });

  test('alternatives: a choice of kinds, but not an anyOf of required lists', () => {
    const keywords = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
    expect(alternatives(keywords)?.map(altLabel)).toEqual(['text', 'list of text']);
    expect(altIndexFor(alternatives(keywords)!, ['a'])).toBe(1);
    expect(altIndexFor(alternatives(keywords)!, undefined)).toBe(0);
    expect(alternatives({ type: 'object', anyOf: [{ required: ['a'] }, { required: ['b'] }] })).toBeUndefined();
  });

  test('problems go to the field they name; a missing required property to that property', () => {
    const placed = problemsByField([
      { path: '/', message: "must have required property 'keywords'" },
      { path: '/count', message: 'must be <= 4' },
      { path: '/a/b', message: "must have required property 'c'" },
      { path: '/', message: 'must match a schema in anyOf' },
    ]);
    expect(Object.fromEntries(placed)).toEqual({ '/keywords': ['is required'], '/count': ['must be <= 4'], '/a/b/c': ['is required'], '/': ['must match a schema in anyOf'] });
  });

  test('pointer escapes ~ and /', () => {
    expect(pointer([])).toBe('/');
    expect(pointer(['a/b', 'c~d'])).toBe('/a~1b/c~0d');
  });
});
