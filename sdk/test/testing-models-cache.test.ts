/**
 * The `cache` field of a text request in the test kit: checked as the host checks it (`true`,
 * `false` or `'semantic'`; a stream takes only `false`) and recorded. The kit has no cache, so
 * every answer is fresh (`cached: false`), whatever the request asked for.
 */
import { expect, expectTypeOf, test } from 'vitest';
import type { TextRequest } from '../src/index.ts';
import { createTestContext } from '../src/testing/index.ts';
import { codeOf, manifestWith } from './testing-helpers.ts';

const manifest = manifestWith({ models: { tasks: ['text', 'structured'], maxTier: 'basic' } });

test('cache is true, false or "semantic"; anything else is refused before it is recorded', async () => {
  expectTypeOf<TextRequest['cache']>().toEqualTypeOf<boolean | 'semantic' | undefined>();
  const { ctx, recorded } = createTestContext({ manifest });
  for (const cache of [true, false, 'semantic'] as const) {
    expect(await ctx.models.text({ prompt: 'Will it rain on Monday?', cache })).toMatchObject({ cached: false });
  }
  expect(recorded.models.text.map((r) => r.cache)).toEqual([true, false, 'semantic']);
  for (const cache of ['fuzzy', 'SEMANTIC', 1, null]) {
    expect(await codeOf(ctx.models.text({ prompt: 'p', cache } as never))).toBe('MODEL_REQUEST_INVALID');
  }
  expect(await codeOf(ctx.models.streamText({ prompt: 'p', cache: 'semantic' } as never)[Symbol.asyncIterator]().next())).toBe('MODEL_REQUEST_INVALID');
  expect(recorded.models.text).toHaveLength(3);
  expect(recorded.models.streamText).toEqual([]);
});
