import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Sandbox } from '../../host/src/sandbox/index.ts';
import { call, executionId, fixture, installSentinels, rejection, SANDBOX_MODES, startSandbox, TestBridge, type Fixture, expectNoWorkerFaults, type TestLogger } from './helpers.ts';

installSentinels();

describe.each(SANDBOX_MODES)('sandbox happy path (%s)', (mode) => {
  const inProcess = mode === 'in-process';
  const bridge = new TestBridge();
  let sandbox: Sandbox;
  let logger: TestLogger;
  let greeter: Fixture;
  let other: Fixture;

  beforeAll(async () => {
    greeter = await fixture('sandbox-greeter');
    // The same script installed as a second plugin: identity comes from the host, not the code.
    other = await fixture('sandbox-greeter', {}, 'other-greeter@2.0.0');
    other.plugin.name = 'other-greeter';
    other.plugin.version = '2.0.0';
    bridge.grant(greeter.plugin.id, 'kv');
    bridge.grant(other.plugin.id, 'kv');
    // A host secret in the HTTP process's environment must not reach the workers.
    process.env.EASEL_TEST_SECRET = 'AKIAHOSTSECRET000000';
    ({ sandbox, logger } = await startSandbox(bridge, { workers: 2, mode }));
    await sandbox.load(greeter.plugin, greeter.expected);
  });
  afterAll(async () => {
    delete process.env.EASEL_TEST_SECRET;
    expectNoWorkerFaults(logger);
    await sandbox?.close();
  });

  test('a handler runs with its config and reports its costs', async () => {
    const result = await call(sandbox, greeter, 'greeter', 'greet', { name: 'Ada' }, { config: { greeting: 'Bonjour' } });
    expect(result.output).toEqual({ message: 'Bonjour, Ada!' });
    expect(result.wallMs).toBeGreaterThan(0);
    expect(result.cpuMs).toBeGreaterThanOrEqual(0);
    expect(result.heapUsedBytes).toBeGreaterThan(0);
    const line = bridge.log.find((e) => e.capability === 'log');
    expect(line).toMatchObject({ op: 'info', args: { message: 'greeting someone', fields: { name: 'Ada' } } });
    expect(line?.caller.pluginId).toBe(greeter.plugin.id);
  });

  test('ctx carries the host-bound identity, a frozen config and a live signal', async () => {
    const id = executionId();
    const { output } = await sandbox.invoke({ plugin: greeter.plugin, kind: 'agent', target: 'greeter', capability: 'whoami', input: {}, config: { greeting: 'Hi' }, executionId: id });
    expect(output).toEqual({
      executionId: id,
      plugin: { name: 'sandbox-greeter', version: '1.0.0' },
      config: { greeting: 'Hi' },
      configFrozen: true,
      ctxFrozen: true,
      signalAborted: false,
    });
  });

  test('a worker keeps the view and config it was sent; a changed config, an unload and a load are each seen by the next call', async () => {
    const greet = (config: Record<string, unknown>) => call(sandbox, greeter, 'greeter', 'greet', { name: 'Ada' }, { config }).then((r) => r.output);
    const hola = Object.freeze({ greeting: 'Hola' });
    // The same config object twice: the second frame carries neither view nor config, and the call still has them.
    expect(await greet(hola)).toEqual({ message: 'Hola, Ada!' });
    expect(await greet(hola)).toEqual({ message: 'Hola, Ada!' });
    // Another object (an admin's edit): sent again and used at once; the old one again is sent again too.
    expect(await greet({ greeting: 'Ciao' })).toEqual({ message: 'Ciao, Ada!' });
    expect(await greet(hola)).toEqual({ message: 'Hola, Ada!' });
    // A workflow's own wall limit travels with its call only.
    const wf = await sandbox.invoke({ plugin: greeter.plugin, kind: 'workflow', target: 'echo', input: { a: 1 }, config: hola, executionId: executionId(), wallMs: 60_000 });
    expect(wf.output).toEqual({ echoed: { a: 1 } });
    // An unload drops what the worker kept; the next call sends it again.
    await sandbox.unload(greeter.plugin.id);
    expect(await greet(hola)).toEqual({ message: 'Hola, Ada!' });
    await sandbox.load(greeter.plugin, greeter.expected);
    expect(await greet(hola)).toEqual({ message: 'Hola, Ada!' });
  });

  test('workflows run too', async () => {
    const { output } = await sandbox.invoke({ plugin: greeter.plugin, kind: 'workflow', target: 'echo', input: { a: [1, 2] }, config: {}, executionId: executionId() });
    expect(output).toEqual({ echoed: { a: [1, 2] } });
  });

  test('kv round trip goes through the bridge with the host-bound caller', async () => {
    expect((await call(sandbox, greeter, 'greeter', 'count', { name: 'bob' })).output).toEqual({ name: 'bob', visits: 1 });
    expect((await call(sandbox, greeter, 'greeter', 'count', { name: 'bob' })).output).toEqual({ name: 'bob', visits: 2 });
    expect(bridge.kv.get(greeter.plugin.id)?.get('visits/bob')).toBe(2);
    const kvCalls = bridge.log.filter((e) => e.capability === 'kv');
    expect(kvCalls.every((e) => e.caller.pluginId === greeter.plugin.id && e.caller.pluginName === 'sandbox-greeter')).toBe(true);
  });

  test('a plugin cannot reach another plugin\'s keys, whatever the key says', async () => {
    await call(sandbox, greeter, 'greeter', 'put', { key: 'secret', value: 'greeter-only' });
    const crafted = ['secret', '../sandbox-greeter@1.0.0/secret', '../secret', 'sandbox-greeter@1.0.0/secret', 'sandbox-greeter/secret', `${greeter.plugin.id}:secret`, '/secret'];
    const { output } = await call(sandbox, other, 'greeter', 'read', { keys: crafted });
    for (const key of crafted) expect((output as Record<string, unknown>)[key]).toEqual({ value: null });
    const otherCalls = bridge.log.filter((e) => e.caller.pluginId === other.plugin.id && e.capability === 'kv');
    expect(otherCalls.length).toBe(crafted.length);
    expect(otherCalls.every((e) => e.caller.pluginName === 'other-greeter' && e.caller.pluginVersion === '2.0.0')).toBe(true);
    // The owner still reads its own value.
    expect((await call(sandbox, greeter, 'greeter', 'read', { keys: ['secret'] })).output).toEqual({ secret: { value: 'greeter-only' } });
  });

  test('pipelined calls to two plugins all come back', async () => {
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => call(sandbox, i % 2 ? greeter : other, 'greeter', 'greet', { name: `n${i}` })));
    expect(many.map((r) => (r.output as { message: string }).message)).toEqual(Array.from({ length: 40 }, (_, i) => `Hello, n${i}!`));
    expect(sandbox.workerPids()).toHaveLength(inProcess ? 0 : 2);
  });

  test('unknown handlers, bad input and a plugin that throws at load fail with codes', async () => {
    expect((await rejection(call(sandbox, greeter, 'greeter', 'nope'))).code).toBe('AGENT_NOT_FOUND');
    expect((await rejection(call(sandbox, greeter, 'constructor', 'name'))).code).toBe('AGENT_NOT_FOUND');
    expect((await rejection(call(sandbox, greeter, 'greeter', 'greet', { n: 10n }))).code).toBe('INPUT_INVALID');
    expect((await rejection(call(sandbox, greeter, 'greeter', 'greet', { name: 'x'.repeat(2 * 1024 * 1024) }))).code).toBe('INPUT_TOO_LARGE');
    const broken = await fixture('sandbox-broken');
    const err = await rejection(sandbox.load(broken.plugin, broken.expected));
    expect(err.code).toBe('PLUGIN_LOAD_FAILED');
    expect(err.message).toContain('broken on purpose at load');
    expect((await rejection(call(sandbox, broken, 'broken', 'run'))).code).toBe('PLUGIN_LOAD_FAILED');
    const missing = await rejection(sandbox.load(greeter.plugin, { agents: { greeter: ['greet', 'fly'] }, workflows: ['echo', 'other'] }));
    expect(missing.code).toBe('PLUGIN_LOAD_FAILED');
    expect(missing.message).toContain('agents.greeter.capabilities.fly');
    expect(missing.message).toContain('workflows.other');
  });

  if (inProcess) {
    test('in the host\'s process: no worker process, one runtime', async () => {
      expect(sandbox.workerPids()).toEqual([]);
      expect((await sandbox.stats!()).workers).toBe(1);
      expect((await call(sandbox, greeter, 'greeter', 'greet', { name: 'here' })).output).toEqual({ message: 'Hello, here!' });
    });
  } else test('workers run with --no-node-snapshot and a minimal environment', () => {
    expect(sandbox.workerPids()).toHaveLength(2);
    for (const pid of sandbox.workerPids()) {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      expect(env.map((kv) => kv.split('=')[0]).sort()).toEqual(expect.arrayContaining(['PATH']));
      expect(env.every((kv) => /^(PATH|NODE_ENV|TZ)=/.test(kv))).toBe(true);
      expect(env.join('\n')).not.toContain('AKIAHOSTSECRET');
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv).toContain('--no-node-snapshot');
    }
  });

  test('a script that changed on disk since install is refused', async () => {
    const tampered = { ...greeter.plugin, id: 'tampered@1.0.0', scriptSha256: '0'.repeat(64) };
    const err = await rejection(sandbox.load(tampered, greeter.expected));
    expect(err.code).toBe('PLUGIN_LOAD_FAILED');
    expect(err.message).toMatch(/sha256/);
    expect(err.message).not.toContain(greeter.plugin.scriptPath);
  });
});
