/**
 * A hostile plugin driven over HTTP: each attack gets its code and status, the execution is
 * recorded as failed, the plugin's next call succeeds, other plugins keep serving, and the
 * host process sees no unhandled rejection or uncaught exception. In both sandbox modes: worker
 * processes, and the host's own process (`EASEL_SANDBOX_MODE=in-process`), where the same attacks
 * must meet the same walls.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packWithCli } from '../helpers/pack.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { SANDBOX_MODES } from '../sandbox/helpers.ts';

describe.each(SANDBOX_MODES)('sandbox mode %s', (mode) => {
  let host: RunningHost;
  let appKey: string;
  const sentinels = { unhandledRejection: 0, uncaughtException: 0 };
  const onRejection = () => void sentinels.unhandledRejection++;
  const onException = () => void sentinels.uncaughtException++;

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    host = await startHost({ sandbox: { mode } } as never);
    expect(host.host.sandbox.workerPids()).toHaveLength(mode === 'in-process' ? 0 : host.config.sandbox.workers);
    appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
    for (const dir of ['plugins-external/hello', 'test/fixtures/plugins/http-attacker', 'test/fixtures/plugins/http-attacker-patient']) {
      const { tarball } = await packWithCli(dir);
      const { body } = await host.call('POST', '/v1/plugins/upload', { raw: tarball });
      await host.call('POST', `/v1/plugins/${body.plugin.name}/enable`, { body: { grant: 'requested' } });
    }
    await host.call('POST', '/v1/agents/hello/greeter/count', { key: appKey, body: { name: 'Ada' } });
  });
  afterAll(async () => {
    await host?.close();
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  });

  /** A 500 ms budget (its manifest): what stops the time attacks. */
  const ATTACKER = 'http-attacker';
  /** The same code with a 20 s budget, for the attacks the clock must not stop first on a slow machine. */
  const PATIENT = 'http-attacker-patient';

  const attack = (capability: string, plugin = ATTACKER, body: unknown = {}) => host.call('POST', `/v1/agents/${plugin}/attacker/${capability}`, { key: appKey, body });
  const echo = (plugin = ATTACKER) => host.call('POST', `/v1/agents/${plugin}/attacker/echo`, { key: appKey, body: { ok: true } });

  describe.each([
    // Stopped by the plugin's 500 ms budget, not the host's defaults (5 s CPU, 10 s wall): well under those, with slack for a loaded machine.
    { capability: 'spin', plugin: ATTACKER, status: 504, code: 'EXECUTION_TIMEOUT', withinMs: 4000 },
    { capability: 'spin-after-await', plugin: ATTACKER, status: 504, code: 'EXECUTION_TIMEOUT', withinMs: 4000 },
    { capability: 'hang', plugin: ATTACKER, status: 504, code: 'EXECUTION_TIMEOUT', withinMs: 4000 },
    { capability: 'bomb', plugin: PATIENT, status: 502, code: 'EXECUTION_MEMORY' },
    { capability: 'huge', plugin: PATIENT, status: 502, code: 'OUTPUT_TOO_LARGE' },
    { capability: 'ungranted', plugin: ATTACKER, status: 403, code: 'PERMISSION_DENIED' },
  ])('$capability', ({ capability, plugin, status, code, withinMs }) => {
    test(`fails with ${code}, is recorded, and the plugin recovers`, async () => {
      const started = performance.now();
      const res = await attack(capability, plugin);
      if (withinMs !== undefined) expect(performance.now() - started).toBeLessThan(withinMs);
      expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: status, code });
      const recorded = await host.call('GET', `/v1/executions/${res.body.details.executionId}`, { key: appKey });
      expect(recorded.body).toMatchObject({ status: 'failed', errorCode: code });
      expect((await echo(plugin)).body.output).toEqual({ ok: true });
    });
  });

  test('another plugin answers while one spins', async () => {
    let spinEnded = false;
    const spinning = attack('spin').finally(() => (spinEnded = true));
    const hello = await host.call('POST', '/v1/agents/hello/greeter/greet', { key: appKey, body: { name: 'Ada' } });
    expect(hello.body.output).toEqual({ message: 'Hello, Ada!' });
    // Answered while the spin still held its isolate (one sandbox worker runs both), not after its budget stopped it.
    expect(spinEnded).toBe(false);
    expect((await spinning).body.code).toBe('EXECUTION_TIMEOUT');
  });

  test('schema patterns run in linear time: no ReDoS through input or output validation', async () => {
    const started = performance.now();
    const input = await host.call('POST', '/v1/agents/http-attacker/attacker/redos-input', { key: appKey, body: { text: `${'a'.repeat(5000)}b` } });
    expect(input.status).toBe(400);
    expect(input.body.code).toBe('INPUT_INVALID');
    expect(input.body.details.problems[0].path).toBe('/text');
    const output = await attack('redos-output');
    expect(output.status).toBe(502);
    expect(output.body.code).toBe('OUTPUT_INVALID');
    // With V8's backtracking engine either one would take longer than the universe is old; linear
    // time is a few milliseconds, so the bound only needs to be finite, with room for a loaded machine.
    expect(performance.now() - started).toBeLessThan(10_000);
    const ok = await host.call('POST', '/v1/agents/http-attacker/attacker/redos-input', { key: appKey, body: { text: 'aaaa' } });
    expect(ok.body.output).toEqual({ length: 4 });
  });

  test('nothing of the host is visible from plugin code', async () => {
    const res = await attack('probe');
    expect(res.body.output).toEqual({ process: 'undefined', require: 'undefined', Buffer: 'undefined', setTimeout: 'undefined', viaConstructor: 'undefined' });
  });

  test("another plugin's kv rows are out of reach, whatever the key", async () => {
    const res = await attack('steal');
    expect(res.body.output).toEqual({ direct: null, traversal: null, prefixed: null, listed: [] });
    expect(await host.host.store.kv.get('hello', 'visits/Ada')).toBe('1');
  });

  test('the denied capability call is in the audit log', async () => {
    const denied = await host.host.store.audit.list({ limit: 50 });
    expect(denied.some((e) => e.outcome === 'denied' && e.action === 'storage.put' && e.actor.startsWith('plugin:http-attacker@1.0.0'))).toBe(true);
  });

  test('a flood of denied calls is audited once per execution, not once per attempt', async () => {
    // The patient copy: 1000 round trips in a row must not have to fit a 500 ms budget (the
    // attacks above test budgets); what is tested is the audit, one row per execution.
    const flood = () => attack('deny-flood', PATIENT, { n: 1000 });
    const first = await flood();
    const second = await flood();
    expect([first.body.output, second.body.output]).toEqual([{ denied: 1000 }, { denied: 1000 }]);
    const rows = (await host.host.store.audit.list({ limit: 500 })).filter((e) => e.action === 'storage.get' && e.actor.startsWith(`plugin:${PATIENT}@`));
    expect(rows.map((e) => e.target).sort()).toEqual([first.body.executionId, second.body.executionId].sort());
  });

  test('the host process saw no unhandled rejection or uncaught exception', () => {
    expect(sentinels).toEqual({ unhandledRejection: 0, uncaughtException: 0 });
  });
});
