/**
 * createTestContext: a ctx that behaves as the host's. Every capability is allowed when the
 * manifest requests it and denied (PERMISSION_DENIED, nothing reaches the capability) when it
 * does not; kv, storage, logs, progress, config and cancellation follow the host's rules.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, test, vi } from 'vitest';
import { isCancellation, type Context } from '../src/index.ts';
import { createTestContext, EaselError, type Recorded } from '../src/testing/index.ts';
import { codeOf, manifestWith, PNG_BYTES } from './testing-helpers.ts';

const everything = manifestWith({ kv: true, storage: { read: true, write: true }, models: { tasks: ['text', 'structured', 'image', 'embedding'], maxTier: 'standard' } });
const nothing = manifestWith({});

describe('grants: allowed when requested, PERMISSION_DENIED when not', () => {
  const calls = {
    kv: (ctx: any) => ctx.kv.get('k'),
    'storage read': (ctx: any) => ctx.storage.head('k'),
    'storage write': (ctx: any) => ctx.storage.put('k', PNG_BYTES, 'image/png'),
    'models text': (ctx: any) => ctx.models.text({ prompt: 'hi' }),
    'models structured': (ctx: any) => ctx.models.structured({ prompt: 'hi', schema: { type: 'object' } }),
    'models image': (ctx: any) => ctx.models.image({ prompt: 'a cat' }),
    'models embed': (ctx: any) => ctx.models.embed({ text: 'hi' }),
  };
  const scripted = { structured: () => ({}) };

  test.each(Object.entries(calls))('%s is allowed when the manifest requests it', async (_name, call) => {
    const { ctx, recorded } = createTestContext({ manifest: everything, models: scripted });
    await call(ctx);
    expect(recorded.calls.map((c) => c.outcome)).toEqual(['ok']);
  });

  test.each(Object.entries(calls))('%s is denied, and reaches nothing, when the manifest does not request it', async (_name, call) => {
    const { ctx, recorded, readKv, readStorage } = createTestContext({ manifest: nothing, models: scripted });
    const err = await call(ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PERMISSION_DENIED', message: 'kit-test was not granted ' + recorded.calls[0]!.capability });
    expect(recorded.calls[0]!.outcome).toBe('PERMISSION_DENIED');
    expect(Object.values(recorded.models).flat()).toEqual([]);
    expect(recorded.puts).toEqual([]);
    expect(readKv()).toEqual({});
    expect(await readStorage()).toEqual([]);
  });

  test('storage read and write are granted apart', async () => {
    const { ctx } = createTestContext({ manifest: manifestWith({ storage: { write: true } }) });
    expect((await ctx.storage.put('a', PNG_BYTES, 'image/png')).key).toBe('a');
    for (const read of [ctx.storage.get('a'), ctx.storage.head('a'), ctx.storage.list(), ctx.storage.url('a')]) expect(await codeOf(read)).toBe('PERMISSION_DENIED');
    const reader = createTestContext({ manifest: manifestWith({ storage: { read: true } }) }).ctx;
    expect(await reader.storage.list()).toEqual([]);
    expect(await codeOf(reader.storage.delete('a'))).toBe('PERMISSION_DENIED');
  });

  test('model tasks and tiers: only granted tasks, up to maxTier; a premium image counts as premium', async () => {
    const { ctx, recorded } = createTestContext({ manifest: manifestWith({ models: { tasks: ['text', 'image'], maxTier: 'standard' } }) });
    expect((await ctx.models.text({ prompt: 'hi', tier: 'standard' })).text).toBeTypeOf('string');
    expect(await codeOf(ctx.models.text({ prompt: 'hi', tier: 'premium' }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(ctx.models.image({ prompt: 'cat', quality: 'premium' }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(ctx.models.embed({ text: 'hi' }))).toBe('PERMISSION_DENIED');
    expect(await codeOf(ctx.models.structured({ prompt: 'hi', schema: {} }))).toBe('PERMISSION_DENIED');
    expect(recorded.models.text).toHaveLength(1);
    expect(recorded.models.image).toHaveLength(0);
  });

  test('a grant narrower than the manifest denies the rest; a wider one is GRANT_INVALID', async () => {
    const { ctx } = createTestContext({ manifest: everything, grant: { kv: true } });
    await ctx.kv.set('k', 1);
    expect(await codeOf(ctx.storage.list())).toBe('PERMISSION_DENIED');
    expect(() => createTestContext({ manifest: nothing, grant: { kv: true } })).toThrow(expect.objectContaining({ code: 'GRANT_INVALID' }));
  });

  test('log and progress need no grant', async () => {
    const { ctx, recorded } = createTestContext({ manifest: nothing });
    ctx.log.warn('careful', { n: 1 });
    await ctx.progress('half way', { done: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(recorded.logs).toEqual([{ level: 'warn', message: 'careful', fields: { n: 1 } }]);
    expect(recorded.progress).toEqual([{ message: 'half way', data: { done: 1 } }]);
  });

  test('printLogs prints each line to stderr as well; an oversized line is refused', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const { ctx, recorded } = createTestContext({ manifest: nothing, printLogs: true, executionId: 'exec-3' });
      ctx.log.info('hello', { to: 'Ada' });
      ctx.log.error('x'.repeat(9000));
      await new Promise((resolve) => setImmediate(resolve));
      expect(write).toHaveBeenCalledWith('[kit-test@1.2.3 exec-3] info: hello {"to":"Ada"}\n');
      expect(recorded.logs).toHaveLength(1);
      expect(recorded.calls.map((c) => c.outcome)).toEqual(['ok', 'BRIDGE_ARGUMENT_INVALID']);
    } finally {
      write.mockRestore();
    }
  });
});

describe('kv', () => {
  const manifest = manifestWith({ kv: true });

  test('values are JSON copies in and out', async () => {
    const { ctx } = createTestContext({ manifest });
    const value = { list: [1, 2], at: new Date(0) };
    await ctx.kv.set('v', value);
    value.list.push(3);
    const back = await ctx.kv.get<{ list: number[]; at: string }>('v');
    expect(back).toEqual({ list: [1, 2], at: '1970-01-01T00:00:00.000Z' });
    back!.list.push(9);
    expect(await ctx.kv.get('v')).toEqual({ list: [1, 2], at: '1970-01-01T00:00:00.000Z' });
    expect(await ctx.kv.get('missing')).toBeUndefined();
  });

  test('list is sorted, filtered by prefix and limited; delete says whether the key was there', async () => {
    const { ctx, readKv } = createTestContext({ manifest, kv: { 'b/2': 2, 'a/1': 1, 'b/1': 1, c: 3 } });
    expect(await ctx.kv.list()).toEqual(['a/1', 'b/1', 'b/2', 'c']);
    expect(await ctx.kv.list('b/')).toEqual(['b/1', 'b/2']);
    expect(await ctx.kv.list('', { limit: 2 })).toEqual(['a/1', 'b/1']);
    expect(await ctx.kv.delete('c')).toBe(true);
    expect(await ctx.kv.delete('c')).toBe(false);
    expect(readKv()).toEqual({ 'a/1': 1, 'b/1': 1, 'b/2': 2 });
  });

  test('the host refusals: empty or control-character keys, undefined and oversized values, bad limits', async () => {
    const { ctx } = createTestContext({ manifest });
    expect(await codeOf(ctx.kv.get(''))).toBe('KV_KEY_INVALID');
    expect(await codeOf(ctx.kv.set('a\nb', 1))).toBe('KV_KEY_INVALID');
    expect(await codeOf(ctx.kv.set('k', undefined))).toBe('BRIDGE_ARGUMENT_INVALID');
    expect(await codeOf(ctx.kv.set('k', 'x'.repeat(70_000)))).toBe('KV_VALUE_TOO_LARGE');
    expect(await codeOf(ctx.kv.list('', { limit: 0 }))).toBe('BRIDGE_ARGUMENT_INVALID');
    expect(await codeOf(ctx.kv.set('k', 10n))).toBe('BRIDGE_ARGUMENT_INVALID');
  });
});

describe('storage', () => {
  const manifest = manifestWith({ storage: { read: true, write: true } });

  test('put answers BlobInfo; keys are normalized; bytes are copied in and out', async () => {
    const { ctx, recorded } = createTestContext({ manifest });
    const bytes = PNG_BYTES.slice();
    const info = await ctx.storage.put('/images//cat.png/', bytes, 'Image/PNG');
    expect(info).toEqual({
      key: 'images/cat.png',
      blobId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      size: bytes.length,
      contentType: 'image/png',
      sha256: createHash('sha256').update(PNG_BYTES).digest('hex'),
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    bytes[0] = 0;
    const back = await ctx.storage.get('images/cat.png');
    expect(back).toEqual(PNG_BYTES);
    back![1] = 0;
    expect(await ctx.storage.get('images//cat.png')).toEqual(PNG_BYTES);
    expect(await ctx.storage.head('images/cat.png')).toEqual(info);
    expect(recorded.puts).toEqual([{ key: 'images/cat.png', bytes: PNG_BYTES, contentType: 'image/png' }]);
  });

  test('. and .. segments, control characters and bad content types are refused', async () => {
    const { ctx } = createTestContext({ manifest });
    for (const key of ['a/../b', './a', '..', 'a\u0000b', '//']) expect(await codeOf(ctx.storage.put(key, PNG_BYTES, 'image/png'))).toBe('STORAGE_KEY_INVALID');
    expect(await codeOf(ctx.storage.put('a', PNG_BYTES, 'not a type'))).toBe('STORAGE_KEY_INVALID');
    expect(await codeOf(ctx.storage.put('a', 'text' as never, 'text/plain'))).toBe('BRIDGE_ARGUMENT_INVALID');
  });

  test('list (prefix, after, limit), delete, replace and url', async () => {
    const { ctx } = createTestContext({ manifest, publicUrl: 'https://easel.example/' });
    for (const key of ['b/2', 'a/1', 'b/1', 'b2']) await ctx.storage.put(key, PNG_BYTES, 'image/png');
    expect((await ctx.storage.list()).map((i) => i.key)).toEqual(['a/1', 'b/1', 'b/2', 'b2']);
    expect((await ctx.storage.list('b/')).map((i) => i.key)).toEqual(['b/1', 'b/2']);
    expect((await ctx.storage.list('b', { after: 'b/1', limit: 1 })).map((i) => i.key)).toEqual(['b/2']);
    const first = (await ctx.storage.head('a/1'))!;
    const second = await ctx.storage.put('a/1', new Uint8Array([1]), 'application/octet-stream');
    expect(second.blobId).not.toBe(first.blobId);
    expect(second.size).toBe(1);
    expect(await ctx.storage.url('a/1', { expiresInSeconds: 60 })).toMatch(new RegExp(`^https://easel\\.example/v1/blobs/${second.blobId}\\?expires=\\d+&sig=[\\w-]{43}$`));
    expect(await codeOf(ctx.storage.url('nothing'))).toBe('BLOB_NOT_FOUND');
    expect(await ctx.storage.delete('a/1')).toBe(true);
    expect(await ctx.storage.get('a/1')).toBeUndefined();
    expect(await ctx.storage.delete('a/1')).toBe(false);
  });

  test('bytes in a folder: one file per version, none left after delete; temp folders go with close()', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'easel-kit-storage-'));
    try {
      const { ctx, readStorage } = createTestContext({ manifest, storage: { dir } });
      const info = await ctx.storage.put('x', PNG_BYTES, 'image/png');
      expect(await readdir(dir)).toEqual([info.blobId]);
      expect((await readStorage())[0]).toEqual({ info, bytes: PNG_BYTES });
      await ctx.storage.delete('x');
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const temp = createTestContext({ manifest, storage: 'temp' });
    await temp.ctx.storage.put('y', PNG_BYTES, 'image/png');
    const before = (await readdir(tmpdir())).filter((n) => n.startsWith('easel-test-storage-'));
    await temp.close();
    const after = (await readdir(tmpdir())).filter((n) => n.startsWith('easel-test-storage-'));
    expect(after.length).toBe(before.length - 1);
  });
});

describe('the rest of ctx', () => {
  test('types: ctx is the SDK\'s Context, typed by the config', () => {
    const kit = createTestContext<{ greeting?: string }>({ manifest: nothing });
    expectTypeOf(kit.ctx).toEqualTypeOf<Context<{ greeting?: string }>>();
    expectTypeOf(kit.ctx.config.greeting).toEqualTypeOf<string | undefined>();
    expectTypeOf(kit.recorded).toEqualTypeOf<Recorded>();
    expect(kit.ctx.config).toEqual({});
  });

  test('executionId, plugin and a validated, frozen config', async () => {
    const manifest = manifestWith({}, { config: { type: 'object', properties: { greeting: { type: 'string', maxLength: 5 } }, additionalProperties: false } });
    const { ctx } = createTestContext({ manifest, config: { greeting: 'Hi' }, executionId: 'exec-9' });
    expect(ctx.executionId).toBe('exec-9');
    expect(ctx.plugin).toEqual({ name: 'kit-test', version: '1.2.3' });
    expect(ctx.config).toEqual({ greeting: 'Hi' });
    expect(Object.isFrozen(ctx.config)).toBe(true);
    const refused = (() => {
      try {
        createTestContext({ manifest, config: { greeting: 'Hello there' } });
      } catch (err) {
        return err as EaselError;
      }
    })();
    expect(refused).toBeInstanceOf(EaselError);
    expect(refused).toMatchObject({ code: 'PLUGIN_CONFIG_INVALID', details: { problems: [{ path: '/greeting', message: expect.any(String) }] } });
  });

  test('an invalid manifest is MANIFEST_INVALID with its problems', () => {
    expect(() => createTestContext({ manifest: { name: 'Bad Name' } })).toThrow(expect.objectContaining({ code: 'MANIFEST_INVALID', details: { problems: expect.arrayContaining([{ path: '/name', message: expect.any(String) }]) } }));
  });

  test('abort(): ctx.signal fires with EXECUTION_CANCELLED; pending and later calls fail with it', async () => {
    const manifest = manifestWith({ kv: true, models: { tasks: ['text'], maxTier: 'basic' } });
    let release!: () => void;
    const { ctx, abort, recorded } = createTestContext({ manifest, models: { text: () => new Promise<string>((resolve) => (release = () => resolve('late'))) } });
    const seen: unknown[] = [];
    ctx.signal.addEventListener('abort', () => seen.push((ctx.signal.reason as EaselError).code));
    const pending = ctx.models.text({ prompt: 'slow' });
    await new Promise((resolve) => setImmediate(resolve));
    abort();
    expect(await codeOf(pending)).toBe('EXECUTION_CANCELLED');
    release();
    expect(seen).toEqual(['EXECUTION_CANCELLED']);
    expect(ctx.signal.aborted).toBe(true);
    expect(() => ctx.signal.throwIfAborted()).toThrow(expect.objectContaining({ code: 'EXECUTION_CANCELLED' }));
    expect(await codeOf(ctx.kv.get('k'))).toBe('EXECUTION_CANCELLED');
    expect(recorded.calls.map((c) => c.outcome)).toEqual(['EXECUTION_CANCELLED', 'EXECUTION_CANCELLED']);
  });

  test('isCancellation: true for a cancelled call and a call after its end, false for every other failure', async () => {
    const manifest = manifestWith({ kv: true });
    const { ctx, abort } = createTestContext({ manifest });
    const refused = await ctx.kv.get('a'.repeat(10_000)).catch((e: unknown) => e);
    expect(isCancellation(refused)).toBe(false);
    abort();
    const cancelled = await ctx.kv.get('k').catch((e: unknown) => e);
    expect(isCancellation(cancelled)).toBe(true);
    expect(isCancellation(new EaselError('CALL_ENDED', 'this call has ended'))).toBe(true);
    for (const other of [new EaselError('EXECUTION_ABORTED', 'another call stopped the isolate'), new Error('x'), 'EXECUTION_CANCELLED', null, undefined, { code: 42 }]) {
      expect(isCancellation(other)).toBe(false);
    }
  });

  test('agents: dependencies need the grant and a stub; own agents need the definition or a stub', async () => {
    const manifest = manifestWith({ agents: ['helper/worker'] }, { dependencies: { helper: '^1.0.0', other: '^1.0.0' } });
    const { ctx, recorded } = createTestContext({
      manifest,
      agents: { 'helper/worker': { shout: (input: { text: string }, call) => ({ loud: input.text.toUpperCase(), by: call.agent }) }, 'other/agent': { go: () => ({}) } },
    });
    expect(await ctx.agents.invoke('helper/worker', 'shout', { text: 'hi' })).toEqual({ loud: 'HI', by: 'helper/worker' });
    expect(await ctx.agents.invoke('worker', 'shout', { text: 'bare' })).toEqual({ loud: 'BARE', by: 'helper/worker' });
    expect(await codeOf(ctx.agents.invoke('other/agent', 'go', {}))).toBe('PERMISSION_DENIED');
    expect(await codeOf(ctx.agents.invoke('stranger/agent', 'go', {}))).toBe('PERMISSION_DENIED');
    expect(await codeOf(ctx.agents.invoke('helper/worker', 'whisper', {}))).toBe('AGENT_NOT_FOUND');
    expect(await codeOf(ctx.agents.invoke('tool', 'use', {}))).toBe('AGENT_NOT_FOUND');
    expect(recorded.agents).toEqual([
      { agent: 'helper/worker', capability: 'shout', input: { text: 'hi' } },
      { agent: 'helper/worker', capability: 'shout', input: { text: 'bare' } },
    ]);
    const unstubbed = createTestContext({ manifest }).ctx;
    await expect(unstubbed.agents.invoke('helper/worker', 'shout', {})).rejects.toMatchObject({ code: 'DEPENDENCY_DISABLED', message: 'kit-test cannot call helper/worker: helper is not installed' });
  });
});
