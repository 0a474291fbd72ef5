/**
 * runPacked: the packed script in a real isolate behind the host's guest shim, with the
 * manifest's limits, ctx answered by the same host side as createTestContext.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runPacked, snapshotDisabled, type PluginHarness } from '../src/testing/index.ts';
import { codeOf, HELLO_DIR, MISSING_WORKFLOW_DIR, PNG_BYTES, PROBE_DIR } from './testing-helpers.ts';

const call = (plugin: PluginHarness, capability: string, op: string, ...args: unknown[]) => plugin.invoke('probe', 'call', { capability, op, args });

describe('hello, packed', () => {
  test('greet and count run in the isolate; kv persists across calls; schemas are checked', async () => {
    const plugin = await runPacked(HELLO_DIR, { config: { greeting: 'Yo' }, kv: { 'visits/Bo': 4 } });
    try {
      expect(await plugin.invoke('greeter', 'greet', { name: 'Ada' })).toEqual({ message: 'Yo, Ada!' });
      expect(plugin.logs).toEqual([{ level: 'info', message: 'greeting someone', fields: { name: 'Ada' } }]);
      expect(await plugin.invoke('greeter', 'count', { name: 'Bo' })).toEqual({ name: 'Bo', visits: 5 });
      expect(plugin.readKv()).toEqual({ 'visits/Bo': 5 });
      await expect(plugin.invoke('greeter', 'greet', { name: '' })).rejects.toMatchObject({ code: 'INPUT_INVALID', details: { problems: [{ path: '/name', message: expect.any(String) }] } });
    } finally {
      await plugin.close();
    }
  });

  test('the grant is enforced inside the isolate too: a narrower grant denies kv', async () => {
    const plugin = await runPacked(HELLO_DIR, { grant: {} });
    try {
      await expect(plugin.invoke('greeter', 'count', { name: 'Ada' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED', message: 'hello was not granted kv' });
      expect(plugin.recorded.calls).toEqual([{ capability: 'kv', op: 'get', args: { key: 'visits/Ada' }, outcome: 'PERMISSION_DENIED' }]);
    } finally {
      await plugin.close();
    }
  });
});

describe('the probe fixture', () => {
  let plugin: PluginHarness;
  beforeAll(async () => {
    plugin = await runPacked(PROBE_DIR, {
      config: { label: 'probe' },
      agents: { 'helper/worker': { shout: (input: { text: string }) => ({ loud: input.text.toUpperCase() }) } },
    });
  });
  afterAll(async () => {
    await plugin?.close();
  });

  test('a handler that loops forever is stopped: EXECUTION_TIMEOUT, then a fresh isolate serves the next call', async () => {
    const started = performance.now();
    await expect(plugin.invoke('probe', 'loop', {})).rejects.toMatchObject({ code: 'EXECUTION_TIMEOUT', message: 'the call ran past its budget (400 ms CPU, 1000 ms wall)' });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(await plugin.invoke('probe', 'echo', { after: 'loop' })).toMatchObject({ input: { after: 'loop' }, label: 'probe' });
  });

  test('a handler that waits forever is stopped at its wall-clock budget', async () => {
    const started = performance.now();
    await expect(plugin.invoke('probe', 'wait', {})).rejects.toMatchObject({ code: 'EXECUTION_TIMEOUT' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
  });

  test('a handler whose promise nothing can settle ends EXECUTION_TIMEOUT, as on a host, whether or not V8 collected it first', async () => {
    // One at a time (a timeout stops the isolate, and with it any other call in it), with
    // garbage made meanwhile so that V8 collects some of the promises.
    const codes: (string | undefined)[] = [];
    for (let round = 0; round < 4; round++) {
      const hang = codeOf(plugin.invoke('probe', 'hang', {}));
      for (let i = 0; i < 30; i++) await plugin.invoke('probe', 'echo', { garbage: 'x'.repeat(400_000) });
      codes.push(await hang);
    }
    expect(codes).toEqual(Array(4).fill('EXECUTION_TIMEOUT'));
  });

  test('a handler that allocates without end is stopped at the memory limit: EXECUTION_MEMORY', async () => {
    await expect(plugin.invoke('probe', 'allocate', {})).rejects.toMatchObject({ code: 'EXECUTION_MEMORY', message: "the call ran out of the plugin's 16 MB of memory" });
    expect(await plugin.invoke('probe', 'echo', { after: 'allocate' })).toMatchObject({ input: { after: 'allocate' } });
  });

  test('ctx inside the isolate: executionId, plugin, config; denied capabilities; argument refusals', async () => {
    expect(await plugin.invoke('probe', 'echo', { x: 1 }, { executionId: 'exec-42' })).toEqual({ input: { x: 1 }, label: 'probe', executionId: 'exec-42', plugin: { name: 'kit-probe', version: '1.0.0' } });
    expect(await call(plugin, 'models', 'embed', { text: 'x' })).toEqual({ code: 'PERMISSION_DENIED', message: 'kit-probe was not granted models' });
    expect(await call(plugin, 'models', 'text', { prompt: 'x', tier: 'premium' })).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await call(plugin, 'models', 'text', { prompt: 'x' })).toMatchObject({ value: { model: 'apac.amazon.nova-micro-v1:0' } });
    expect(await call(plugin, 'storage', 'put', 'k', [1, 2], 'image/png')).toMatchObject({ code: 'BRIDGE_ARGUMENT_INVALID' });
    expect(await call(plugin, 'storage', 'url', 'nothing')).toMatchObject({ code: 'BLOB_NOT_FOUND' });
    expect(await call(plugin, 'kv', 'set', 'k', { a: [1] })).toEqual({ value: null });
    expect(await call(plugin, 'kv', 'get', 'k')).toEqual({ value: { a: [1] } });
    expect(await call(plugin, 'agents', 'invoke', 'stranger/agent', 'go', {})).toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  test('bytes cross as the host carries them: byte input fields, stored objects, image answers', async () => {
    expect(await plugin.invoke('probe', 'keep', { picture: PNG_BYTES })).toEqual({ size: PNG_BYTES.length, same: true });
    const stored = await plugin.readStorage();
    expect(stored.map((o) => [o.info.key, o.info.contentType, o.bytes])).toEqual([['pictures/kept.png', 'image/png', PNG_BYTES]]);
    expect(await plugin.invoke('probe', 'draw', { picture: Buffer.from(PNG_BYTES).toString('base64') })).toEqual({ count: 2, pngs: true, model: 'amazon.nova-canvas-v1:0', width: 512 });
    expect(plugin.recorded.models.image.at(-1)).toEqual({ prompt: 'the same, in ink', count: 2, width: 512, height: 512, image: PNG_BYTES });
    await expect(plugin.invoke('probe', 'keep', { picture: new Uint8Array([1, 2, 3, 4]) })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  test('errors: thrown is PLUGIN_ERROR, a ctx code rethrown stays, a forged code does not; bad output is OUTPUT_INVALID', async () => {
    await expect(plugin.invoke('probe', 'fail', {})).rejects.toMatchObject({ code: 'PLUGIN_ERROR', message: 'the probe failed on purpose' });
    await expect(plugin.invoke('probe', 'fail', { via: 'kv' })).rejects.toMatchObject({ code: 'KV_KEY_INVALID' });
    await expect(plugin.invoke('probe', 'fail', { via: 'forged' })).rejects.toMatchObject({ code: 'PLUGIN_ERROR', message: 'pretends to be a host error' });
    await expect(plugin.invoke('probe', 'bad-output', {})).rejects.toMatchObject({ code: 'OUTPUT_INVALID', details: { problems: [{ path: '/ok', message: expect.any(String) }] } });
  });

  test('a workflow calls a stubbed dependency and the plugin\'s own agent in the same isolate', async () => {
    expect(await plugin.run('relay', { text: 'hey' }, { executionId: 'exec-relay' })).toEqual({
      helper: { loud: 'HEY' },
      echo: { input: { text: 'hey' }, label: 'probe', executionId: 'exec-relay', plugin: { name: 'kit-probe', version: '1.0.0' } },
    });
    expect(plugin.recorded.agents.slice(-2)).toEqual([
      { agent: 'helper/worker', capability: 'shout', input: { text: 'hey' } },
      { agent: 'kit-probe/probe', capability: 'echo', input: { text: 'hey' } },
    ]);
    await expect(plugin.run('relay', { text: '' })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(plugin.invoke('probe', 'nested', { name: 'self' })).rejects.toMatchObject({ code: 'AGENT_CALL_REFUSED' });
  });

  test('a cancel fires ctx.signal inside the isolate first; ctx calls made after it are refused', async () => {
    const stop = new AbortController();
    const pending = plugin.invoke('probe', 'wait', {}, { signal: stop.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort();
    expect(await codeOf(pending)).toBe('EXECUTION_CANCELLED');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(plugin.readKv()).not.toHaveProperty('saw-abort');
    expect(plugin.recorded.calls.at(-1)).toMatchObject({ capability: 'kv', op: 'set', outcome: 'EXECUTION_CANCELLED' });
  });
});

describe('loading', () => {
  test('a script that lacks a workflow its manifest lists is refused with the host\'s PLUGIN_LOAD_FAILED message', async () => {
    await expect(runPacked(MISSING_WORKFLOW_DIR)).rejects.toMatchObject({ code: 'PLUGIN_LOAD_FAILED', message: 'the script does not define workflows.publish' });
  });

  test('--no-node-snapshot is read from NODE_OPTIONS and the command line, the last word winning', () => {
    expect(snapshotDisabled(['--no-node-snapshot'], '')).toBe(true);
    expect(snapshotDisabled([], '--max-old-space-size=100 --no-node-snapshot')).toBe(true);
    expect(snapshotDisabled(['--no-node-snapshot', '--node-snapshot'], '')).toBe(false);
    expect(snapshotDisabled(['--node-snapshot'], '--no-node-snapshot')).toBe(false);
    expect(snapshotDisabled([], '')).toBe(false);
  });
});

describe('a plugin that does not pack', () => {
  test('an invalid manifest or a build error rejects as the kit does, with the problems in details', async () => {
    const manifest = JSON.parse(await readFile(join(HELLO_DIR, 'plugin.json'), 'utf8'));
    const badManifest = await tempPlugin({ ...manifest, version: 'one' }, "export default { agents: {} };\n");
    await expect(runPacked(badManifest)).rejects.toMatchObject({ name: 'EaselError', code: 'MANIFEST_INVALID', details: { problems: [expect.objectContaining({ path: '/version' })] } });
    const badCode = await tempPlugin(manifest, 'export default {\n  agents: (\n};\n');
    await expect(runPacked(badCode)).rejects.toMatchObject({ name: 'EaselError', code: 'BUNDLE_INVALID', details: { problems: [expect.objectContaining({ path: expect.stringMatching(/^src\/index\.js:3:\d+$/) })] } });
  });
});

const unpackable: string[] = [];
afterAll(async () => {
  for (const dir of unpackable) await rm(dir, { recursive: true, force: true });
});

async function tempPlugin(manifest: unknown, source: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'easel-kit-unpackable-'));
  unpackable.push(dir);
  await mkdir(join(dir, 'src'));
  await writeFile(join(dir, 'plugin.json'), JSON.stringify(manifest));
  await writeFile(join(dir, 'src/index.js'), source);
  return dir;
}
