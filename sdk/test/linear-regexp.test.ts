import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect, test } from 'vitest';
import { linearRegExpEngine, validateManifest } from '../src/bundle/index.ts';
import { helloManifest } from './helpers.ts';

const ajv = new Ajv2020({ code: { regExp: linearRegExpEngine } });

test('patterns match like JSON Schema says: unanchored unless anchored, Unicode aware', () => {
  expect(ajv.validate({ type: 'string', pattern: 'b' }, 'abc')).toBe(true);
  expect(ajv.validate({ type: 'string', pattern: '^b' }, 'abc')).toBe(false);
  expect(ajv.validate({ type: 'string', pattern: '^\\p{L}+$' }, '안녕하세요')).toBe(true);
  expect(ajv.validate({ type: 'object', patternProperties: { '^x-': { type: 'number' } } }, { 'x-a': 'no' })).toBe(false);
});

test('an exponential-backtracking pattern answers at once', () => {
  const started = performance.now();
  expect(ajv.validate({ type: 'string', pattern: '^(a|a)*$' }, `${'a'.repeat(100_000)}b`)).toBe(false);
  // Linear: tens of milliseconds, a few hundred on a loaded machine. Backtracking would never end,
  // and even a quadratic engine (10^10 steps here) would be far past this bound.
  expect(performance.now() - started).toBeLessThan(5000);
});

test('a manifest pattern the host cannot run (backreference, lookahead) is refused at its path', async () => {
  const manifest = await helloManifest();
  manifest.agents[0].capabilities[0].input.properties.name.pattern = '(a)\\1';
  manifest.agents[0].capabilities[1].input.properties.name.pattern = '^(?=a)';
  const result = validateManifest(manifest);
  expect(result.ok).toBe(false);
  const paths = result.ok ? [] : result.problems.map((p) => p.path);
  expect(paths).toEqual(['/agents/0/capabilities/0/input', '/agents/0/capabilities/1/input']);
});
