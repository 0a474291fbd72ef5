/**
 * Refused agent calls, end to end. orch-a may call its own agents and the agents of its
 * dependencies that its manifest lists and its grant allows, while those dependencies are
 * installed, enabled and in range. Outside the manifest or grant: PERMISSION_DENIED, the target
 * never runs (no model call reaches the emulator, no usage row) and the denial is audited; a
 * granted dependency that is disabled or out of range: DEPENDENCY_DISABLED, the target never runs. Call chains
 * are capped: a cycle, or a chain deeper than EASEL_ORCHESTRATION_MAX_DEPTH (3 here), is
 * AGENT_CALL_REFUSED with the reason.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { appKey, emulatorOf, enable, installFixtures, ORCH_A_GRANT, packFixtures, startWorkflow, upload, type Fixture, executionOf } from '../helpers/orchestration.ts';

let host: RunningHost;
let app: string;
let control: EmulatorControl;
let tarballs: Map<Fixture, Buffer>;

beforeAll(async () => {
  host = await startHost({ orchestration: { maxDepth: 3 } });
  tarballs = await packFixtures(['orch-a', 'orch-b', 'orch-c', 'orch-c-v2', 'orch-outsider']);
  await installFixtures(host, tarballs, ['orch-b', 'orch-c', 'orch-outsider', 'orch-a']);
  app = await appKey(host, 'app');
  control = emulatorOf(host);
});
afterAll(async () => {
  await host?.close();
  // The last test restarts the host on its data dir, which close() then leaves in place.
  if (host) await rm(host.dataDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await control.reset();
});

const execution = (id: string) => executionOf(host, app, id);

/** Runs the workflow to its end and checks it failed with `code` (and HTTP `status`); returns the execution. */
async function failsWith(workflow: string, input: unknown, code: string, status: number) {
  const res = await startWorkflow(host, app, workflow, input, { wait: true });
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.code).toBe(code);
  const id = res.body.details?.executionId as string;
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const record = await execution(id);
  expect(record).toMatchObject({ status: 'failed', errorCode: code });
  return { res, record };
}

/**
 * A refused call: the execution failed with PERMISSION_DENIED, the target plugin has no
 * step that ran and spent nothing, no model call of its reached the emulator, and the
 * denial is in the audit log.
 */
async function refused(workflow: string, target: string, marker: string) {
  const { record } = await failsWith(workflow, workflow === 'story-pack' ? { topic: 'a refusal' } : {}, 'PERMISSION_DENIED', 403);
  for (const step of record.steps.filter((s: { pluginName: string }) => s.pluginName === target)) {
    expect(step).toMatchObject({ status: 'failed', errorCode: 'PERMISSION_DENIED', costUsd: 0, models: [] });
  }
  expect((await control.calls()).filter((c) => c.prompt?.startsWith(marker))).toEqual([]);
  const usage = await host.host.store.usage.listByExecution(record.id);
  expect(usage.filter((row) => row.pluginName === target)).toEqual([]);
  const audit = await host.host.store.audit.list({ limit: 500 });
  const denials = audit.filter((e) => e.outcome === 'denied' && (e.target === record.id || JSON.stringify(e.details ?? null).includes(record.id)));
  expect(denials.length, JSON.stringify(audit.slice(0, 10))).toBeGreaterThan(0);
  return record;
}

/**
 * A call into a declared, granted dependency that is there but not usable (disabled, or out of
 * range): DEPENDENCY_DISABLED (409) naming it, and the target never ran. Not a permission
 * matter, so no denial is audited: an admin fixes it by enabling or upgrading the dependency.
 */
async function unavailable(workflow: string, target: string, marker: string) {
  const { res, record } = await failsWith(workflow, { topic: 'an unavailable dependency' }, 'DEPENDENCY_DISABLED', 409);
  expect(res.body.details).toMatchObject({ dependency: target });
  for (const step of record.steps.filter((s: { pluginName: string }) => s.pluginName === target)) expect(step).toMatchObject({ costUsd: 0, models: [] });
  expect((await control.calls()).filter((c) => c.prompt?.startsWith(marker))).toEqual([]);
  const usage = await host.host.store.usage.listByExecution(record.id);
  expect(usage.filter((row) => row.pluginName === target)).toEqual([]);
  return record;
}

describe('refused agent calls', () => {
  test('a plugin that is not a dependency (orch-outsider/spy), though installed and enabled', async () => {
    await refused('call-outsider', 'orch-outsider', 'orch-outsider spy:');
    expect(await control.calls()).toEqual([]);
    // The spy itself works: called by an app, it reaches its model.
    const direct = await host.call('POST', '/v1/agents/orch-outsider/spy/peek', { key: app, body: {} });
    expect(direct.status, JSON.stringify(direct.body)).toBe(200);
    expect((await control.calls()).map((c) => c.prompt?.slice(0, 19))).toEqual(['orch-outsider spy: ']);
  });

  test("an agent of a dependency that orch-a's manifest does not list (orch-b/critic)", async () => {
    await refused('call-undeclared-agent', 'orch-b', 'orch-b critic:');
    expect(await control.calls()).toEqual([]);
    const direct = await host.call('POST', '/v1/agents/orch-b/critic/review', { key: app, body: { text: 'direct' } });
    expect(direct.status, JSON.stringify(direct.body)).toBe(200);
  });

  test('an agent the manifest lists but the admin did not grant (orch-c/illustrator)', async () => {
    await enable(host, 'orch-a', { ...ORCH_A_GRANT, agents: ['orch-b/writer'] });
    try {
      await refused('story-pack', 'orch-c', 'orch-c sketch:');
    } finally {
      await enable(host, 'orch-a', ORCH_A_GRANT);
    }
    // Granted again, the same workflow runs.
    expect((await startWorkflow(host, app, 'story-pack', { topic: 'granted again' }, { wait: true })).status).toBe(200);
  });

  test('a dependency whose installed version is out of range: orch-c 2.0.0 for ^1.0.0 is DEPENDENCY_DISABLED', async () => {
    // Uploading a new version over an enabled plugin keeps it enabled, and nothing checks its
    // dependents' ranges at upload: the state is reachable, so the call must be refused.
    const replaced = await upload(host, tarballs.get('orch-c-v2')!);
    expect(replaced.body).toMatchObject({ plugin: { name: 'orch-c', version: '2.0.0' }, replaced: '1.0.0' });
    expect((await host.call('GET', '/v1/plugins/orch-c')).body).toMatchObject({ version: '2.0.0', enabled: true });
    try {
      await unavailable('story-pack', 'orch-c', 'orch-c sketch:');
      // orch-c 2.0.0 itself runs when an app calls it.
      expect((await host.call('POST', '/v1/agents/orch-c/illustrator/sketch', { key: app, body: { subject: 'v2' } })).status).toBe(200);
    } finally {
      await upload(host, tarballs.get('orch-c')!);
    }
    expect((await host.call('GET', '/v1/plugins/orch-c')).body).toMatchObject({ version: '1.0.0', enabled: true });
  });
});

describe('call chain caps (maxDepth 3)', () => {
  test('an agent that calls itself is refused as a cycle', async () => {
    const { res, record } = await failsWith('cycle', {}, 'AGENT_CALL_REFUSED', 422);
    expect(res.body.details).toMatchObject({ reason: 'cycle' });
    // looper.again ran once, at depth 1, and failed with the refusal of its call to itself,
    // which never ran (a row for it, if the host keeps one, records the refusal).
    const [first, ...rest] = record.steps;
    expect(first).toMatchObject({ pluginName: 'orch-a', agent: 'looper', capability: 'again', depth: 1, status: 'failed', errorCode: 'AGENT_CALL_REFUSED' });
    expect(rest.length).toBeLessThanOrEqual(1);
    for (const step of rest) expect(step).toMatchObject({ depth: 2, status: 'failed', errorCode: 'AGENT_CALL_REFUSED', models: [] });
  });

  test('a chain as deep as the cap runs; one level deeper is refused for depth', async () => {
    const ok = await startWorkflow(host, app, 'deep', { levels: 3 }, { wait: true });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.output).toEqual({ reached: 3 });
    const chain = (await execution(ok.body.executionId)).steps;
    expect(chain.map((s: { capability: string; depth: number }) => `${s.capability}@${s.depth}`)).toEqual(['level-1@1', 'level-2@2', 'level-3@3']);
    expect(chain[0].parentStepId ?? null).toBeNull();
    expect(chain[1].parentStepId).toBe(chain[0].id);
    expect(chain[2].parentStepId).toBe(chain[1].id);

    const { res, record } = await failsWith('deep', { levels: 4 }, 'AGENT_CALL_REFUSED', 422);
    expect(res.body.details).toMatchObject({ reason: 'depth' });
    // Levels 1 to 3 ran and failed with the refusal; level 4 never ran.
    const within = record.steps.filter((s: { depth: number }) => s.depth <= 3);
    expect(within.map((s: { capability: string }) => s.capability)).toEqual(['level-1', 'level-2', 'level-3']);
    for (const step of record.steps) expect(step).toMatchObject({ status: 'failed', errorCode: 'AGENT_CALL_REFUSED' });
    expect(record.steps.length).toBeLessThanOrEqual(4);
  });
});

describe('a disabled dependency', () => {
  // Last in the file: it restarts the host.
  test('the API refuses to disable orch-c under an enabled orch-a; disabled behind its back, calls to it are DEPENDENCY_DISABLED', async () => {
    const refusedDisable = await host.call('POST', '/v1/plugins/orch-c/disable');
    expect(refusedDisable.status).toBe(409);
    expect(refusedDisable.body).toMatchObject({ code: 'PLUGIN_IN_USE', details: { dependents: [expect.objectContaining({ name: 'orch-a' })] } });

    // No API call leaves orch-a enabled over a disabled orch-c, but the engine must not trust
    // that: flip the row in the store and restart, so no cached view remembers it enabled.
    await host.host.store.plugins.setEnabled('orch-c', false);
    host = await host.restart();
    control = emulatorOf(host);
    expect((await host.call('GET', '/v1/plugins/orch-c')).body).toMatchObject({ version: '1.0.0', enabled: false });
    expect((await host.call('GET', '/v1/plugins/orch-a')).body).toMatchObject({ enabled: true });
    await unavailable('story-pack', 'orch-c', 'orch-c sketch:');
  });
});
