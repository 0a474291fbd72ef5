/**
 * `POST /v1/workflows/:type/preview`: what a workflow would run and cost, from the plugin's
 * estimate hook (or, without one, from its manifest), priced by the router. A preview calls
 * no model, runs no step and records no execution; its estimate hook gets no model access.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { packWithCli } from '../helpers/pack.ts';

let host: RunningHost;
let appKey: string;
let control: EmulatorControl;

beforeAll(async () => {
  host = await startHost();
  const { tarball } = await packWithCli('test/fixtures/plugins/durable-estimate');
  expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await host.call('POST', '/v1/plugins/durable-estimate/enable', { body: { grant: 'requested' } })).status).toBe(200);
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'preview' } })).body.key;
  control = host.host.models.emulator?.control as EmulatorControl;
  expect(control).toBeDefined();
});
afterAll(async () => {
  await host?.close();
});
beforeEach(async () => {
  await control.reset();
});

const preview = (type: string, body: unknown, query = '') => host.call('POST', `/v1/workflows/${type}/preview${query}`, { key: appKey, body });
const executionCount = async () => (await host.host.store.executions.list({ limit: 500 })).items.length;

/** A preview has no side effects a model or the history could see. */
async function expectNothingRan(executionsBefore: number): Promise<void> {
  expect(await control.calls()).toEqual([]);
  expect(await executionCount()).toBe(executionsBefore);
  expect((await host.call('GET', '/v1/executions', { key: appKey })).body.items).toEqual([]);
}

test('an estimate hook: its steps priced per model, the agents and models listed, no model called', async () => {
  const before = await executionCount();
  const res = await preview('plan', { topic: 'spring in Seoul', sections: 3 }, '?plugin=durable-estimate');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ workflow: 'plan', plugin: 'durable-estimate', version: '1.0.0', source: 'plugin' });
  const [drafts, format] = res.body.steps;
  expect(res.body.steps).toHaveLength(2);
  // The hook names agents as plugin code does ('drafter'); the answer may qualify them.
  expect(drafts).toMatchObject({ agent: expect.stringMatching(/^(durable-estimate\/)?drafter$/), capability: 'draft', count: 3, model: { task: 'text', tier: 'basic' } });
  expect(typeof drafts.model.modelId).toBe('string');
  expect(drafts.model.costUsd).toBeGreaterThan(0);
  expect(format).toMatchObject({ agent: expect.stringMatching(/^(durable-estimate\/)?formatter$/), capability: 'format', count: 1 });
  expect(format.model).toBeUndefined();
  expect(res.body.models).toEqual([drafts.model.modelId]);
  expect([...res.body.agents].sort()).toEqual(['durable-estimate/drafter', 'durable-estimate/formatter']);
  expect(res.body.estimatedCostUsd).toBeGreaterThan(0);
  await expectNothingRan(before);

  // The hook sees the input: fewer sections, a smaller estimate.
  const one = await preview('plan', { topic: 'spring in Seoul', sections: 1 });
  expect(one.status).toBe(200);
  expect(one.body.steps[0].count).toBe(1);
  expect(one.body.estimatedCostUsd).toBeGreaterThan(0);
  expect(one.body.estimatedCostUsd).toBeLessThan(res.body.estimatedCostUsd);
  await expectNothingRan(before);
});

test('without an estimate hook the preview comes from the manifest and calls nothing', async () => {
  const before = await executionCount();
  const res = await preview('quick', { topic: 'rain' });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ workflow: 'quick', plugin: 'durable-estimate', version: '1.0.0', source: 'manifest' });
  expect(Array.isArray(res.body.steps)).toBe(true);
  expect(Array.isArray(res.body.models)).toBe(true);
  expect(Array.isArray(res.body.agents)).toBe(true);
  expect(res.body.estimatedCostUsd).toBeGreaterThanOrEqual(0);
  await expectNothingRan(before);
});

test('an estimate hook that reaches for a model gets none', async () => {
  const before = await executionCount();
  const res = await preview('sneaky', {});
  // The hook ran (the workflow was found) and the host did not break; whether the preview
  // fails with the plugin's error or answers without the hook, no model was called.
  expect(res.status).not.toBe(404);
  expect(res.status).not.toBe(500);
  await expectNothingRan(before);
});

test('input the workflow schema refuses is 400 INPUT_INVALID; an unknown workflow 404 WORKFLOW_NOT_FOUND', async () => {
  const before = await executionCount();
  const missing = await preview('plan', { topic: 'spring' });
  expect(missing.status).toBe(400);
  expect(missing.body.code).toBe('INPUT_INVALID');
  const tooMany = await preview('plan', { topic: 'spring', sections: 50 });
  expect(tooMany.status).toBe(400);
  expect(tooMany.body.code).toBe('INPUT_INVALID');
  const unknown = await preview('no-such-flow', { topic: 'spring' });
  expect(unknown.status).toBe(404);
  expect(unknown.body.code).toBe('WORKFLOW_NOT_FOUND');
  const otherPlugin = await preview('plan', { topic: 'spring', sections: 1 }, '?plugin=durable-flow');
  expect(otherPlugin.status).toBe(404);
  expect(otherPlugin.body.code).toBe('WORKFLOW_NOT_FOUND');
  await expectNothingRan(before);
});
