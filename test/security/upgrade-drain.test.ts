/**
 * Issue 14, item 9: an upgrade, a config change, a disable or an uninstall drains.
 *
 * Four calls of a plugin in flight when its next version was uploaded all used to answer
 * `503 EXECUTION_ABORTED` "another call stopped the plugin's isolate": the upload unloaded the
 * old version's isolate under them. Now, against a real host (real sandbox worker, real
 * isolates, real HTTP, the Bedrock emulator):
 * - calls in flight finish on the version they started on (old and new isolates side by side),
 *   calls made after the change go to the new version (or are refused: PLUGIN_DISABLED,
 *   PLUGIN_NOT_FOUND), and the old isolate goes once its last call has ended;
 * - a config change reaches new calls only: a call in flight keeps the config it started with;
 * - a workflow's step already started finishes on the old version, its next step runs the new;
 * - a call that outlives `EASEL_PLUGIN_DRAIN_MS` ends with PLUGIN_DRAIN_TIMEOUT, never with a
 *   code that blames another call, and the old version's files go at that deadline;
 * - a neighbour plugin keeps answering throughout and is never quarantined.
 *
 * The `drain` fixture's `slow.wait` stays in flight, waiting on model calls (each given a
 * latency by the emulator), until the test scripts an answer that releases it: nothing here
 * depends on how fast the machine is.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { appKey, emulatorOf, waitFor } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';
import { copyPlugin } from '../helpers/plugin-copy.ts';

const MODELS = { models: { tasks: ['text'], maxTier: 'basic' } };

interface Answer {
  status: number;
  body: any;
}

let v1: Buffer;
let v2: Buffer;
let bystander: Buffer;

beforeAll(async () => {
  [v1, v2, bystander] = await Promise.all(['drain-v1', 'drain-v2', 'bystander'].map(async (name) => (await packWithCli(`test/fixtures/plugins/${name}`)).tarball));
});

/** A host with the bystander enabled, every model answer held back a little, and an app key. */
async function drainHost(overrides: Parameters<typeof startHost>[0] = {}): Promise<{ host: RunningHost; app: string; control: EmulatorControl }> {
  const host = await startHost(overrides);
  expect((await host.call('POST', '/v1/plugins/upload', { raw: bystander })).status).toBe(201);
  expect((await host.call('POST', '/v1/plugins/bystander/enable', { body: { grant: { kv: true } } })).status).toBe(200);
  const control = emulatorOf(host);
  // Every round of slow.wait takes this long: the calls in flight wait on the host, not the CPU.
  await control.fault({ modelId: '*', latencyMs: 100, count: null });
  return { host, app: await appKey(host, 'drain-test'), control };
}

async function upload(host: RunningHost, tarball: Buffer): Promise<Answer> {
  const res = await host.call('POST', '/v1/plugins/upload', { raw: tarball });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res;
}

async function enable(host: RunningHost): Promise<void> {
  const res = await host.call('POST', '/v1/plugins/drain/enable', { body: { grant: MODELS } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/**
 * Starts `slow.wait` calls (as an app) and resolves once each has reached the emulator: they are
 * in flight in the sandbox, waiting on the host. The answers come later, once released.
 */
async function inFlight(host: RunningHost, control: EmulatorControl, app: string, tags: string[]): Promise<Promise<Answer>[]> {
  const calls = tags.map((tag) => host.call('POST', '/v1/agents/drain/slow/wait', { key: app, body: { tag } }));
  // A call that fails before it waits must fail the test here, not hang it.
  const early = Promise.race(calls.map((c) => c.then((res) => ({ res }))));
  await Promise.race([
    waitFor(`${tags.join(', ')} in flight`, async () => {
      const prompts = new Set((await control.calls()).map((c) => c.prompt));
      return tags.every((tag) => prompts.has(`drain wait ${tag}`));
    }),
    early.then(({ res }) => {
      throw new Error(`a call answered before it was released: ${res.status} ${JSON.stringify(res.body)}`);
    }),
  ]);
  return calls;
}

/** Lets `count` waiting calls end: each one's next model answer stops with `content_filtered`. */
function release(control: EmulatorControl, count: number): Promise<void> {
  return control.fault({ modelId: '*', stopReason: 'content_filtered', count });
}

function quick(host: RunningHost, app: string): Promise<Answer> {
  return host.call('POST', '/v1/agents/drain/slow/quick', { key: app, body: {} });
}

async function stats(host: RunningHost) {
  return host.host.sandbox.stats!();
}

/** The neighbour answers, and is not quarantined. */
async function neighbourFine(host: RunningHost, app: string): Promise<void> {
  const echo = await host.call('POST', '/v1/agents/bystander/patient/echo', { key: app, body: { ping: 1 } });
  expect(echo.status).toBe(200);
  expect(echo.body.output).toEqual({ echoed: { ping: 1 } });
  expect((await host.call('GET', '/v1/plugins/bystander')).body.quarantine ?? null).toBeNull();
}

/** Waits until the workers hold exactly `count` live isolates (one per plugin still in use). */
function isolatesBackTo(host: RunningHost, count: number): Promise<unknown> {
  return waitFor(`${count} live isolates`, async () => (await stats(host)).isolatesLive === count);
}

describe('with the default drain deadline', () => {
  let host: RunningHost;
  let app: string;
  let control: EmulatorControl;

  beforeAll(async () => {
    ({ host, app, control } = await drainHost());
    await upload(host, v1);
    await enable(host);
  });
  afterAll(async () => host?.close());

  test('an upgrade: the four calls in flight finish on 1.0.0, a call after the upload runs 2.0.0, then the old isolate goes', async () => {
    const old = await host.host.plugins.get('drain');
    const calls = await inFlight(host, control, app, ['up-1', 'up-2', 'up-3', 'up-4']);

    const up = await upload(host, v2);
    expect(up.body).toMatchObject({ plugin: { name: 'drain', version: '2.0.0', enabled: true }, replaced: '1.0.0' });
    const after = await quick(host, app);
    expect(after.status).toBe(200);
    expect(after.body.output).toMatchObject({ build: '2.0.0', version: '2.0.0' });
    // Side by side: the bystander's, 1.0.0's (still running the four) and 2.0.0's.
    expect((await stats(host)).isolatesLive).toBe(3);
    expect(existsSync(old.path)).toBe(true);
    await neighbourFine(host, app);

    await release(control, 4);
    for (const answer of await Promise.all(calls)) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.output).toMatchObject({ build: '1.0.0', version: '1.0.0' });
      const record = await host.call('GET', `/v1/executions/${answer.body.executionId}`, { key: app });
      expect(record.body).toMatchObject({ status: 'succeeded', pluginVersion: '1.0.0' });
    }
    await isolatesBackTo(host, 2);
    expect((await quick(host, app)).body.output.build).toBe('2.0.0');
    await neighbourFine(host, app);
    expect((await stats(host)).workerRestarts).toBe(0);
  });

  test('a config change reaches new calls only: a call in flight keeps the config it started with, in the same isolate', async () => {
    expect((await host.call('PUT', '/v1/plugins/drain/config', { body: { config: { word: 'one' } } })).status).toBe(200);
    const [call] = await inFlight(host, control, app, ['config-1']);
    const created = (await stats(host)).isolatesCreated;

    expect((await host.call('PUT', '/v1/plugins/drain/config', { body: { config: { word: 'two' } } })).status).toBe(200);
    expect((await quick(host, app)).body.output).toMatchObject({ build: '2.0.0', word: 'two' });

    await release(control, 1);
    const answer = await call!;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.output).toMatchObject({ build: '2.0.0', word: 'one', wordAtEnd: 'one' });
    // Config travels with each call: changing it built no isolate and stopped none.
    expect((await stats(host)).isolatesCreated).toBe(created);
    expect((await stats(host)).isolatesLive).toBe(2);
  });

  test('a disable: the calls in flight finish (their model calls still allowed), new calls are refused with PLUGIN_DISABLED', async () => {
    const calls = await inFlight(host, control, app, ['off-1', 'off-2', 'off-3', 'off-4']);

    expect((await host.call('POST', '/v1/plugins/drain/disable')).status).toBe(200);
    const refused = await quick(host, app);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('PLUGIN_DISABLED');
    await neighbourFine(host, app);

    await release(control, 4);
    for (const answer of await Promise.all(calls)) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.output).toMatchObject({ build: '2.0.0' });
    }
    await isolatesBackTo(host, 1);
    expect((await quick(host, app)).body.code).toBe('PLUGIN_DISABLED');

    await enable(host);
    expect((await quick(host, app)).body.output.build).toBe('2.0.0');
  });

  test('an uninstall: the calls in flight finish, new calls find no plugin, the files stay while the calls run', async () => {
    const installed = await host.host.plugins.get('drain');
    const calls = await inFlight(host, control, app, ['gone-1', 'gone-2', 'gone-3', 'gone-4']);

    expect((await host.call('DELETE', '/v1/plugins/drain')).status).toBe(200);
    const refused = await quick(host, app);
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('PLUGIN_NOT_FOUND');
    expect(existsSync(installed.path)).toBe(true);
    await neighbourFine(host, app);

    await release(control, 4);
    for (const answer of await Promise.all(calls)) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.output).toMatchObject({ build: '2.0.0' });
    }
    await isolatesBackTo(host, 1);
  });

  test("a workflow's step in flight finishes on the old version; its next step runs the new one", async () => {
    await upload(host, v1);
    await enable(host);
    const run = host.call('POST', '/v1/workflows/drain-flow/executions?wait=true', { key: app, body: { tag: 'flow-1' } });
    await waitFor('the step in flight', async () => (await control.calls()).some((c) => c.prompt === 'drain wait flow-1'));

    await upload(host, v2);
    await release(control, 1);
    const answer = await run;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.output).toEqual({ workflow: '1.0.0', waited: '1.0.0', quick: '2.0.0' });
    const record = await host.call('GET', `/v1/executions/${answer.body.executionId}`, { key: app });
    expect(record.body.steps.map((s: { capability: string; pluginVersion: string }) => [s.capability, s.pluginVersion])).toEqual([
      ['wait', '1.0.0'],
      ['quick', '2.0.0'],
    ]);
    await isolatesBackTo(host, 2);
    await neighbourFine(host, app);
  });

  test('a re-upload of the same version with other code (easel dev) drains the same way; the very same bytes again leave the calls in their isolate', async () => {
    const copy = await copyPlugin('test/fixtures/plugins/drain-v2');
    let dev: Buffer;
    try {
      const source = join(copy.dir, 'src', 'index.ts');
      await writeFile(source, (await readFile(source, 'utf8')).replace("const BUILD = '2.0.0';", "const BUILD = '2.0.0-dev';"));
      dev = (await packWithCli(copy.dir)).tarball;
    } finally {
      await copy.remove();
    }

    const calls = await inFlight(host, control, app, ['dev-1', 'dev-2']);
    expect((await upload(host, dev)).body).toMatchObject({ plugin: { version: '2.0.0' }, replaced: '2.0.0' });
    expect((await quick(host, app)).body.output.build).toBe('2.0.0-dev');
    await release(control, 2);
    for (const answer of await Promise.all(calls)) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.output.build).toBe('2.0.0');
    }
    await isolatesBackTo(host, 2);

    const [again] = await inFlight(host, control, app, ['dev-3']);
    const created = (await stats(host)).isolatesCreated;
    await upload(host, dev);
    expect((await quick(host, app)).body.output.build).toBe('2.0.0-dev');
    await release(control, 1);
    const answer = await again!;
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.output.build).toBe('2.0.0-dev');
    expect(await stats(host)).toMatchObject({ isolatesCreated: created, isolatesLive: 2 });
    await neighbourFine(host, app);
  });
});

describe('with a short drain deadline', () => {
  let host: RunningHost;
  let app: string;
  let control: EmulatorControl;

  beforeAll(async () => {
    ({ host, app, control } = await drainHost({ sandbox: { drainMs: 300 } } as Parameters<typeof startHost>[0]));
    await upload(host, v1);
    await enable(host);
  });
  afterAll(async () => host?.close());

  test('a call that outlives EASEL_PLUGIN_DRAIN_MS after an upgrade ends with PLUGIN_DRAIN_TIMEOUT, and the old files go', async () => {
    const old = await host.host.plugins.get('drain');
    const [call] = await inFlight(host, control, app, ['late-1']);

    await upload(host, v2);
    // Never released: only the deadline ends it.
    const answer = await call!;
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('PLUGIN_DRAIN_TIMEOUT');
    const record = await host.call('GET', `/v1/executions/${answer.body.details.executionId}`, { key: app });
    expect(record.body).toMatchObject({ status: 'failed', errorCode: 'PLUGIN_DRAIN_TIMEOUT', pluginVersion: '1.0.0' });

    expect((await quick(host, app)).body.output.build).toBe('2.0.0');
    await isolatesBackTo(host, 2);
    await waitFor('the old version folder to go', async () => !existsSync(old.path));
    expect((await host.call('GET', '/v1/plugins/drain')).body.quarantine ?? null).toBeNull();
    await neighbourFine(host, app);
  });

  test('a call that outlives the deadline after an uninstall ends the same way, and the files go', async () => {
    const installed = await host.host.plugins.get('drain');
    const [call] = await inFlight(host, control, app, ['late-2']);

    expect((await host.call('DELETE', '/v1/plugins/drain')).status).toBe(200);
    const answer = await call!;
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('PLUGIN_DRAIN_TIMEOUT');
    await isolatesBackTo(host, 1);
    await waitFor('the uninstalled folder to go', async () => !existsSync(installed.path));
    await neighbourFine(host, app);
    expect((await stats(host)).workerRestarts).toBe(0);
  });
});
