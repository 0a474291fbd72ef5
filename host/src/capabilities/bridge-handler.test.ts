/**
 * The bridge handler against a real SQLite store: one grant read per bridge call, handed to the
 * capability that checked it; denials audited once per execution and operation; a preview may
 * only log. Model and blob services are not reached by these calls, so none is started.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Permissions } from '@easel/sdk';
import { expect } from 'vitest';
import type { Store } from '../store/index.ts';
import { pluginRecord, test } from '../store/test-store.ts';
import { PREVIEW_PREFIX, type CallScope, type CallScopes } from '../calls/index.ts';
import type { BridgeCaller } from '../sandbox/index.ts';
import type { ModelService } from '../models/index.ts';
import type { BlobService } from '../storage/index.ts';
import { createBridgeHandler } from './index.ts';

const silent = { debug() {}, info() {}, warn() {}, error() {} } as unknown as FastifyBaseLogger;
const noScopes: CallScopes = { of: () => undefined as CallScope | undefined, onEnd: () => () => undefined };
const caller = (executionId = 'exec-1'): BridgeCaller => ({ pluginId: 'p@1.0.0', pluginName: 'p', pluginVersion: '1.0.0', executionId });

function handlerWith(store: Store, grant: Permissions) {
  const reads: string[] = [];
  const handler = createBridgeHandler({
    kv: store.kv,
    audit: store.audit,
    grantOf: async (name) => {
      reads.push(name);
      return grant;
    },
    logger: silent,
    limits: { kv: { maxKeyLength: 512, maxValueBytes: 65536, maxKeysPerPlugin: 1000 }, maxLogLineBytes: 8192, maxOpenStreams: 4, json: { maxDepth: 64, maxNodes: 100_000 } },
    models: {} as ModelService,
    blobs: {} as BlobService,
    scopes: noScopes,
    invokeAgent: async () => undefined,
    progress: () => undefined,
  });
  return { handler, reads };
}

test('each bridge call reads the grant once, and the capability runs with it', async ({ store }) => {
  await store.plugins.install(pluginRecord('p'));
  const { handler, reads } = handlerWith(store, { kv: true });
  await handler(caller(), 'kv', 'set', { key: 'a', value: { n: 1 } });
  expect(await handler(caller(), 'kv', 'get', { key: 'a' })).toEqual({ n: 1 });
  expect(reads).toEqual(['p', 'p']);
});

test('a denied call is audited once per execution and operation, and runs nothing', async ({ store }) => {
  await store.plugins.install(pluginRecord('p'));
  const { handler } = handlerWith(store, {});
  for (let i = 0; i < 3; i++) await expect(handler(caller(), 'kv', 'set', { key: 'a', value: 1 })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  await expect(handler(caller('exec-2'), 'kv', 'set', { key: 'a', value: 1 })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  const rows = (await store.audit.list({ limit: 10 })).filter((r) => r.action === 'kv.set');
  expect(rows.map((r) => [r.target, r.outcome])).toEqual(expect.arrayContaining([['exec-1', 'denied'], ['exec-2', 'denied']]));
  expect(rows).toHaveLength(2);
  expect(await store.kv.get('p', 'a')).toBeUndefined();
});

test('an estimate hook may only log; unknown capabilities and non-object arguments are refused', async ({ store }) => {
  const { handler, reads } = handlerWith(store, { kv: true });
  const preview = caller(`${PREVIEW_PREFIX}x`);
  await expect(handler(preview, 'kv', 'get', { key: 'a' })).rejects.toMatchObject({ code: 'NOT_AVAILABLE' });
  await expect(handler(preview, 'log', 'info', { message: 'priced' })).resolves.toBeUndefined();
  await expect(handler(caller(), 'fetch', 'get', {})).rejects.toMatchObject({ code: 'BRIDGE_ARGUMENT_INVALID' });
  await expect(handler(caller(), 'kv', 'get', ['a'])).rejects.toMatchObject({ code: 'BRIDGE_ARGUMENT_INVALID' });
  // Refused before the grant was read: only the log call read it.
  expect(reads).toEqual(['p']);
});
