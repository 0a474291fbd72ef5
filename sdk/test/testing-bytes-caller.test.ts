/**
 * The kit does what a host does with bytes across `ctx.agents.invoke`, `ctx.caller` and
 * PluginError, directly (testPlugin) and in an isolate (runPacked): the same fixtures as the
 * host's end-to-end test (test/e2e/plugin-contract.test.ts).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { runPacked, testPlugin, type AgentStubs, type PluginHarness } from '../src/testing/index.ts';
import callerDefinition from '../../test/fixtures/plugins/bytes-caller/src/index.ts';
import callerManifest from '../../test/fixtures/plugins/bytes-caller/plugin.json' with { type: 'json' };

const CALLER_DIR = fileURLToPath(new URL('../../test/fixtures/plugins/bytes-caller/', import.meta.url));
const SOURCE_DIR = fileURLToPath(new URL('../../test/fixtures/plugins/bytes-source/', import.meta.url));
const payload = new Uint8Array([1, 2, 3, 4, 5]);

/** A stub of bytes-source that answers with bytes, as the real one does. */
const mirror: AgentStubs = {
  'bytes-source/mirror': {
    reverse: (input: { data: Uint8Array }) => ({
      reversed: input.data.slice().reverse(),
      chunks: [input.data.slice(0, 2), input.data.slice(2)],
      size: input.data.length,
      sawBytes: input.data instanceof Uint8Array,
      caller: { stub: true },
    }),
  },
};

async function relays(plugin: PluginHarness): Promise<void> {
  const out = await plugin.run('relay', { payload: Buffer.from(payload).toString('base64') }, { caller: { app: 'app-2', user: 'eve' } });
  expect(out).toMatchObject({ size: 5, sawBytes: true, reversedIsBytes: true, reversed: [5, 4, 3, 2, 1], chunks: [[1, 2], [3, 4, 5]], caller: { app: 'app-2', user: 'eve' } });
  expect(plugin.recorded.agents[0]!.input).toEqual({ data: payload, chunk: 3 });
}

async function nestedBytes(plugin: PluginHarness): Promise<void> {
  const out = await plugin.run('relay', { payload: Buffer.from(payload).toString('base64'), extra: { blob: new Uint8Array([4, 2]), count: 1 } });
  expect(out).toMatchObject({ extra: { blobIsBytes: true, blob: [4, 2], count: 1, note: null } });
  await expect(plugin.run('relay', { payload: 'AQI=', extra: { blob: '%%%' } })).rejects.toMatchObject({ code: 'INPUT_INVALID', details: { problems: [expect.objectContaining({ path: '/extra/blob' })] } });
}

async function scopesNotes(plugin: PluginHarness): Promise<void> {
  await plugin.invoke('notes', 'put', { noteId: 'n', text: 'hi' });
  expect(await plugin.invoke('notes', 'get', { noteId: 'n', verbose: true })).toEqual({ noteId: 'n', text: 'hi', caller: { app: 'test-app', user: 'test-user' } });
  await expect(plugin.invoke('notes', 'get', { noteId: 'n' }, { caller: { app: 'test-app', user: 'mallory' } })).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND', message: 'no note n' });
  await expect(plugin.invoke('notes', 'put', { noteId: 'n', text: ' ' })).rejects.toMatchObject({ code: 'REQUEST_REJECTED' });
}

describe('testPlugin', () => {
  test('bytes reach a stub as a Uint8Array and its byte outputs come back as Uint8Arrays', async () => {
    await relays(testPlugin(callerDefinition, callerManifest, { agents: mirror }));
  });

  test('ctx.caller defaults, a call may override it, and PluginError codes reach the test', async () => {
    await scopesNotes(testPlugin(callerDefinition, callerManifest));
  });

  test('a byte field one level down arrives as a Uint8Array where it was', async () => {
    await nestedBytes(testPlugin(callerDefinition, callerManifest, { agents: mirror }));
  });

  test('a dependency with no stub is DEPENDENCY_DISABLED, as an uninstalled one is on a host', async () => {
    const plugin = testPlugin(callerDefinition, callerManifest);
    await expect(plugin.run('relay', { payload: 'AQI=' })).rejects.toMatchObject({ code: 'DEPENDENCY_DISABLED' });
  });
});

describe('runPacked', () => {
  test('the same in an isolate: bytes both ways through the guest shim, caller and PluginError', async () => {
    const plugin = await runPacked(CALLER_DIR, { agents: mirror });
    try {
      await relays(plugin);
      await scopesNotes(plugin);
      await nestedBytes(plugin);
    } finally {
      await plugin.close();
    }
  });

  test("a handler's byte output fields are base64 for the test, as for an app", async () => {
    const plugin = await runPacked(SOURCE_DIR, { caller: { app: null, user: 'host' } });
    try {
      expect(await plugin.invoke('mirror', 'reverse', { data: Buffer.from(payload).toString('base64'), chunk: 4 })).toEqual({
        reversed: Buffer.from([5, 4, 3, 2, 1]).toString('base64'),
        chunks: [Buffer.from([5, 4, 3, 2]).toString('base64'), Buffer.from([1]).toString('base64')],
        size: 5,
        sawBytes: true,
        caller: { app: null, user: 'host' },
      });
    } finally {
      await plugin.close();
    }
  });
});
