import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { POST_ID, postIdFor, runTagFor, sameOwner, scopeId, scopeOf } from '../src/scope.ts';
import { sha256Hex, utf8 } from '../src/sha256.ts';

describe('sha256', () => {
  test.each(['', 'abc', 'a'.repeat(55), 'b'.repeat(56), 'c'.repeat(64), 'd'.repeat(1000), '고양이 🐱 café', '\uD800 lone'])('matches node:crypto for %j', (text) => {
    expect(sha256Hex(utf8(text))).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
  });
  test('utf8 encodes as TextEncoder does', () => {
    for (const text of ['a', 'é', '한', '🐱', '\uDC00']) expect(Array.from(utf8(text))).toEqual(Array.from(new TextEncoder().encode(text)));
  });
});

describe('caller scope', () => {
  test('app and user both count: the same user under two apps, or two users, are different scopes', () => {
    const ids = new Set([
      scopeId({ app: 'app-a', user: 'kim' }),
      scopeId({ app: 'app-b', user: 'kim' }),
      scopeId({ app: 'app-a', user: 'lee' }),
      scopeId({ app: null, user: 'kim' }),
      scopeId({ app: 'null', user: 'kim' }),
      // No separator trick: "a" + "b/c" is not "a/b" + "c".
      scopeId({ app: 'a', user: 'b/c' }),
      scopeId({ app: 'a/b', user: 'c' }),
    ]);
    expect(ids.size).toBe(7);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
  test('a long Korean user id still gives a short key segment', () => {
    expect(scopeId({ app: 'app', user: '사용자'.repeat(40) })).toHaveLength(32);
  });
  test('no caller on ctx: refused rather than pooled with everyone else', () => {
    expect(() => scopeOf({} as never)).toThrow(/ctx\.caller/);
    expect(() => scopeOf({ caller: { app: 'a', user: '' } } as never)).toThrow(/ctx\.caller/);
    expect(scopeOf({ caller: { app: 'a', user: 'u' } }).owner).toEqual({ app: 'a', user: 'u' });
  });
  test('owners match only on both fields', () => {
    expect(sameOwner({ app: 'a', user: 'u' }, { app: 'a', user: 'u' })).toBe(true);
    expect(sameOwner({ app: 'a', user: 'u' }, { app: 'b', user: 'u' })).toBe(false);
    expect(sameOwner({ app: null, user: 'u' }, { app: 'null', user: 'u' })).toBe(false);
    expect(sameOwner(undefined, { app: 'a', user: 'u' })).toBe(false);
  });
});

describe('ids', () => {
  test('a post id comes from the execution id, in the allowed alphabet', () => {
    expect(postIdFor('0b7c1c2e-5a4f-4c31-9a57-1d2f1a3c4b5d')).toBe('p-0b7c1c2e-5a4f-4c31-9a57-1d2f1a3c4b5d');
    expect(postIdFor('exec-1')).toBe('p-exec-1');
    expect(POST_ID.test(postIdFor('weird:id/../x'))).toBe(true);
    expect(POST_ID.test(postIdFor(''))).toBe(true);
    expect(runTagFor('exec/../1')).toBe('exec1');
  });
});
