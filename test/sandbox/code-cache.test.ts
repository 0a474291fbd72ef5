import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CodeCache } from '../../host/src/sandbox/code-cache.ts';
import { call, fixture, installSentinels, rejection, startSandbox, tempDir, TestBridge } from './helpers.ts';

installSentinels();

describe('code cache', () => {
  const bridge = new TestBridge();
  const cacheDir = tempDir('code-cache');
  const cacheKey = randomBytes(32);

  const cacheFile = (sha: string) => join(cacheDir, `${CodeCache.idOf(sha)}.v8cache`);

  test('the first build produces an authenticated cache; a rebuilt isolate uses it from memory', async () => {
    const limits = await fixture('sandbox-limits', { cpuMs: 200, wallMs: 200 });
    const { sandbox } = await startSandbox(bridge, { cacheDir, cacheKey });
    await sandbox.load(limits.plugin, limits.expected);
    expect(await sandbox.stats!()).toMatchObject({ isolatesCreated: 1, cacheProduced: 1, cacheHitsMemory: 0, cacheHitsDisk: 0, cacheRejectedV8: 0 });
    expect(readdirSync(cacheDir)).toEqual([`${CodeCache.idOf(limits.plugin.scriptSha256)}.v8cache`]);
    // A timeout disposes the isolate; the next call builds a new one from the cached code.
    expect((await rejection(call(sandbox, limits, 'limits', 'sync-loop'))).code).toBe('EXECUTION_TIMEOUT');
    expect((await call(sandbox, limits, 'limits', 'echo', { x: 1 })).output).toEqual({ echoed: { x: 1 } });
    expect(await sandbox.stats!()).toMatchObject({ isolatesCreated: 2, cacheProduced: 1, cacheHitsMemory: 1, cacheRejectedV8: 0 });
    await sandbox.close();
  });

  test('a new worker process reads the cache from disk after checking its HMAC', async () => {
    const limits = await fixture('sandbox-limits', { cpuMs: 200, wallMs: 200 });
    const { sandbox } = await startSandbox(bridge, { cacheDir, cacheKey });
    await sandbox.load(limits.plugin, limits.expected);
    expect(await sandbox.stats!()).toMatchObject({ cacheProduced: 0, cacheHitsDisk: 1, cacheRejectedHmac: 0, cacheRejectedV8: 0 });
    expect((await call(sandbox, limits, 'limits', 'echo', { y: 2 })).output).toEqual({ echoed: { y: 2 } });
    await sandbox.close();
  });

  test.each([
    ['a flipped byte', (b: Buffer) => (b[b.length - 100] ^= 0xff, b)],
    ['a truncated file', (b: Buffer) => b.subarray(0, 40)],
    ['another key', (b: Buffer) => b],
  ])('a cache file with %s is rejected, deleted, never handed to V8, and rebuilt', async (what, tamper) => {
    const limits = await fixture('sandbox-limits', { cpuMs: 200, wallMs: 200 });
    const file = cacheFile(limits.plugin.scriptSha256);
    const original = readFileSync(file);
    writeFileSync(file, tamper(Buffer.from(original)));
    const key = what === 'another key' ? randomBytes(32) : cacheKey;
    const { sandbox } = await startSandbox(bridge, { cacheDir, cacheKey: key });
    await sandbox.load(limits.plugin, limits.expected);
    // Rejected before V8 (cacheRejectedV8 stays 0), then produced again and written with a valid HMAC.
    expect(await sandbox.stats!()).toMatchObject({ cacheRejectedHmac: 1, cacheHitsDisk: 0, cacheProduced: 1, cacheRejectedV8: 0 });
    expect((await call(sandbox, limits, 'limits', 'echo', { z: 3 })).output).toEqual({ echoed: { z: 3 } });
    await sandbox.close();
    // The rewritten file verifies under the key that wrote it.
    const { sandbox: again } = await startSandbox(bridge, { cacheDir, cacheKey: key });
    await again.load(limits.plugin, limits.expected);
    expect(await again.stats!()).toMatchObject({ cacheHitsDisk: 1, cacheRejectedHmac: 0 });
    await again.close();
    if (what === 'another key') writeFileSync(file, original);
  });
});
