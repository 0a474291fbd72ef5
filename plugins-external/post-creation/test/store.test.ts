/** The kv and storage layout, with a ctx from the test kit. */
import { createTestContext } from '@easel/sdk/testing';
import { describe, expect, test } from 'vitest';
import { scopeOf } from '../src/scope.ts';
import { PostStore } from '../src/store.ts';
import { ALICE, BOB, fakePng, manifest } from './helpers.ts';

function kit(kv: Record<string, unknown> = {}) {
  const context = createTestContext({ manifest, caller: ALICE, kv });
  return { ...context, store: new PostStore(context.ctx, scopeOf(context.ctx)) };
}

describe('reading', () => {
  test("a record under the caller's key whose stored owner is someone else is still not found", async () => {
    const { store } = kit();
    const planted = { schema: 1, postId: 'p-1', owner: BOB, current: { title: 't' } };
    const { store: withPlanted, ctx } = kit({ [`post/${store.scope.id}/p-1`]: planted });
    expect(await withPlanted.find('p-1')).toBeUndefined();
    await expect(withPlanted.load('p-1')).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: 'no post p-1' });
    expect(ctx.caller).toEqual(ALICE);
  });

  test('a malformed id is not looked up at all', async () => {
    const { store, recorded } = kit();
    expect(await store.find('../x')).toBeUndefined();
    expect(recorded.calls.filter((c) => c.capability === 'kv')).toHaveLength(0);
  });
});

describe('cleanUpOnFailure', () => {
  test('a failed run removes what it stored under its prefix, nothing else, and throws the same error', async () => {
    const { ctx, store, readStorage } = kit();
    await ctx.storage.put(store.imageKey('p-1', 'run-a', 0), fakePng(), 'image/png');
    const boom = new Error('kv refused');
    const failed = store.cleanUpOnFailure(store.runPrefix('p-1', 'run-b'), async () => {
      await ctx.storage.put(store.imageKey('p-1', 'run-b', 0), fakePng(1), 'image/png');
      await ctx.storage.put(store.imageKey('p-1', 'run-b', 1), fakePng(2), 'image/png');
      throw boom;
    });
    await expect(failed).rejects.toBe(boom);
    expect((await readStorage()).map((s) => s.info.key)).toEqual([store.imageKey('p-1', 'run-a', 0)]);
  });

  test('a run that succeeds keeps its objects', async () => {
    const { ctx, store, readStorage } = kit();
    expect(await store.cleanUpOnFailure(store.runPrefix('p-1', 'r'), async () => (await ctx.storage.put(store.imageKey('p-1', 'r', 0), fakePng(), 'image/png')).key)).toBe(store.imageKey('p-1', 'r', 0));
    expect(await readStorage()).toHaveLength(1);
  });
});

test('keys: the post, its children and its images sit under the caller hash; a run prefix ends in a slash', () => {
  const { store } = kit();
  expect(store.imagePrefix('p-1')).toBe(`posts/${store.scope.id}/p-1/`);
  expect(store.runPrefix('p-1', 'exec-1')).toBe(`posts/${store.scope.id}/p-1/exec-1/`);
  expect(store.imageKey('p-1', 'exec-1', 2)).toBe(`posts/${store.scope.id}/p-1/exec-1/2.png`);
});
