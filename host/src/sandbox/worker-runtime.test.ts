/**
 * The worker runtime's answer to an invoke it cannot serve: the supervisor sends a plugin's
 * view (and config) before its first call to a worker; a frame that relies on a view or a
 * config this worker never got is answered SANDBOX_UNAVAILABLE, not run with something else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import type { ParentMessage, WorkerInit, WorkerMessage } from './protocol.ts';
import { WorkerRuntime } from './worker-runtime.ts';

const dir = mkdtempSync(join(tmpdir(), 'easel-runtime-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const init: WorkerInit = {
  t: 'init',
  cacheKey: Buffer.alloc(32, 1).toString('base64'),
  cacheDir: join(dir, 'cache'),
  maxPayloadBytes: 64 * 1024,
  maxBinaryBytes: 1024 * 1024,
  maxPendingBridgeCalls: 8,
  // Far above this test process: the RSS cap must not end it.
  maxRssBytes: Number.MAX_SAFE_INTEGER,
  abortGraceMs: 1000,
  guestLimits: { maxPendingLogLines: 8, maxLogLineBytes: 1024, maxKvKeyLength: 64, maxKvValueBytes: 1024 },
};

const invoke = (callId: string, fields: Partial<Extract<ParentMessage, { t: 'invoke' }>> = {}): Extract<ParentMessage, { t: 'invoke' }> => ({
  t: 'invoke',
  callId,
  pluginId: 'never-sent@1.0.0',
  config: false,
  kind: 'agent',
  target: 'a',
  capability: 'b',
  executionId: 'e',
  binaryFields: [],
  caller: { app: null, user: 'u' },
  ...fields,
});

test('an invoke whose plugin view, or whose config, this worker never got is answered SANDBOX_UNAVAILABLE', async () => {
  const sent: WorkerMessage[] = [];
  const runtime = new WorkerRuntime(init, (m) => void sent.push(m));
  const plugin = { id: 'p@1.0.0', name: 'p', version: '1.0.0', scriptPath: join(dir, 'missing.js'), scriptSha256: '0'.repeat(64), limits: { memoryMb: 64, cpuMs: 1000, wallMs: 1000 } };
  runtime.handle(invoke('no-view'), [Buffer.from('{}')]);
  // A view, but the config it says follows the input is not there.
  runtime.handle(invoke('no-config', { pluginId: plugin.id, plugin, config: true }), [Buffer.from('{}')]);
  // Refused before anything is awaited: the answers are out when handle returns.
  const results = sent.filter((m) => m.t === 'result');
  expect(results.map((m) => [m.callId, m.ok, m.ok ? undefined : m.code])).toEqual([
    ['no-view', false, 'SANDBOX_UNAVAILABLE'],
    ['no-config', false, 'SANDBOX_UNAVAILABLE'],
  ]);
});
