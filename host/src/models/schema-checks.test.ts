/** Structured answers are checked against the plugin's schema, and held to the deepest JSON the host can store and carry. */
import { expect, test } from 'vitest';
import { SchemaChecks } from './schema-checks.ts';

const nested = (levels: number) => {
  let value: unknown = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
};

test('an answer nested past 512 levels fails the check, naming the limit; one at 512 passes', () => {
  const check = new SchemaChecks({ maxBytes: 16_384, maxNodes: 256 }).compile({ type: 'object', properties: { x: {} } });
  expect(check({ x: nested(511) })).toBe(true);
  // 5,000 levels: refused before ajv or anything else recurses into it.
  for (const levels of [512, 5000]) {
    expect(check({ x: nested(levels) })).toBe(false);
    expect(check.errors?.[0]?.message).toContain('EASEL_JSON_MAX_DEPTH');
  }
  expect(check({ x: 'shallow' })).toBe(true);
  expect(check('not an object')).toBe(false);
  expect(check.errors?.[0]?.keyword).toBe('type');
});
