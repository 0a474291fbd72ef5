import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Supervisor } from '../../host/src/sandbox/supervisor.ts';
import type { SandboxOptions } from '../../host/src/sandbox/index.ts';
import { call, fixture, installSentinels, rejection, tempDir, testLogger, TestBridge } from './helpers.ts';

installSentinels();

const MISBEHAVING = resolve(import.meta.dirname, '../fixtures/sandbox-workers/misbehaving-worker.ts');
const WORKER_MAIN = resolve(import.meta.dirname, '../../host/src/sandbox/worker-main.ts');

function options(mode: string, bridge: TestBridge, workers = 1): SandboxOptions {
  const cacheDir = join(tempDir('proto'), mode);
  mkdirSync(cacheDir);
  return {
    workers,
    bridge: bridge.handler,
    maxPayloadBytes: 64 * 1024,
    maxBinaryBytes: 1024 * 1024,
    maxPendingBridgeCalls: 8,
    quarantineAfterCrashes: 100,
    quarantineWindowMs: 60_000,
    cacheDir,
    cacheKey: randomBytes(32),
    logger: testLogger(),
  };
}

describe('the HTTP process survives whatever a worker sends', () => {
  test('a result whose answer text is not JSON fails its call with PLUGIN_ERROR; the worker is not killed for it', async () => {
    const opts = options('unparsable', new TestBridge());
    const sandbox = await Supervisor.start(opts, { workerEntry: MISBEHAVING });
    const f = await fixture('sandbox-greeter');
    const err = await rejection(call(sandbox, f, 'greeter', 'greet', { name: 'x' }));
    expect(err.code).toBe('PLUGIN_ERROR');
    expect((opts.logger as ReturnType<typeof testLogger>).entries.find((e) => e.msg === 'sandbox worker died')).toBeUndefined();
    await sandbox.close();
  });

  test.each(['garbage', 'oversize', 'malformed', 'answerless'])('a worker that sends a %s frame is killed; its call fails SANDBOX_CRASHED', async (mode) => {
    const opts = options(mode, new TestBridge());
    const sandbox = await Supervisor.start(opts, { workerEntry: MISBEHAVING });
    const f = await fixture('sandbox-greeter');
    const err = await rejection(call(sandbox, f, 'greeter', 'greet', { name: 'x' }));
    expect(err.code).toBe('SANDBOX_CRASHED');
    const died = (opts.logger as ReturnType<typeof testLogger>).entries.find((e) => e.msg === 'sandbox worker died');
    expect((died?.obj as { reason?: string }).reason).toMatch(/^protocol violation/);
    await sandbox.close();
  });

  test("a worker cannot use another worker's call id to borrow its caller", async () => {
    const bridge = new TestBridge();
    const opts = options('spoof', bridge, 2);
    const sandbox = await Supervisor.start(opts, { workerEntry: MISBEHAVING });
    const a = await fixture('sandbox-greeter', {}, 'a@1.0.0');
    const b = await fixture('sandbox-greeter', {}, 'b@1.0.0');
    bridge.grant('a@1.0.0', 'kv');
    bridge.grant('b@1.0.0', 'kv');
    // Each worker names the other's call id; the supervisor answers both from its own table.
    const [ra, rb] = await Promise.all([call(sandbox, a, 'greeter', 'greet'), call(sandbox, b, 'greeter', 'greet')]);
    for (const r of [ra, rb]) expect(r.output).toMatchObject({ t: 'bridgeReply', ok: false, code: 'BRIDGE_ARGUMENT_INVALID' });
    expect(bridge.log).toEqual([]);
    const warned = (opts.logger as ReturnType<typeof testLogger>).entries.filter((e) => e.msg === 'a worker named a call it does not run');
    expect(warned).toHaveLength(2);
    await sandbox.close();
  });

  test('runs on a supported Node line and an isolated-vm with the resized-ArrayBuffer copy fix', () => {
    // End of life per nodejs/Release; isolated-vm 7.0.1 is the first on Node 24 that copies
    // views over shrunk resizable buffers safely (reference/sandbox.md §0.3).
    const eol: Record<number, string> = { 24: '2028-04-30', 26: '2029-04-30' };
    const major = Number(process.versions.node.split('.')[0]);
    expect(eol[major], `Node ${major} is not a supported LTS line`).toBeDefined();
    expect(Date.now()).toBeLessThan(Date.parse(eol[major]!));
    const ivm = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../node_modules/isolated-vm/package.json'), 'utf8')) as { version: string };
    const [maj, min, patch] = ivm.version.split('.').map(Number) as [number, number, number];
    expect(maj * 1e6 + min * 1e3 + patch).toBeGreaterThanOrEqual(7_000_001);
  });

  test('no sandbox code uses isolated-vm snapshots', () => {
    const dir = resolve(import.meta.dirname, '../../host/src/sandbox');
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/createSnapshot|snapshot\s*:/);
  });

  test('the worker refuses to start without --no-node-snapshot', () => {
    const run = spawnSync(process.execPath, [WORKER_MAIN], { env: { PATH: process.env.PATH }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('--no-node-snapshot');
  });
});
