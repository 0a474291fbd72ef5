/**
 * Issue 14, Also: retention. Executions, steps, event logs, usage rows, audit rows and blobs
 * used to grow without bound. Now, against a real host (real sandbox worker, real SQLite file,
 * real blob folder, real HTTP, the Bedrock emulator), with the host's clock moved forward days at
 * a time (vitest fakes Date only and lets it run on; timers stay real, so nothing here sleeps
 * for a TTL):
 * - `POST /v1/retention/purge` (admin only, audited) runs a pass now and answers what it
 *   removed, a batch of `EASEL_RETENTION_BATCH` rows of each kind it was asked for, and which
 *   kinds have more; a kind not asked for is not touched;
 * - event logs go before their executions; old finished executions go with their steps; a
 *   running execution stays, with everything of it, whatever its age;
 * - a blob put with a TTL reads as gone once expired (its URL answers 404 BLOB_NOT_FOUND) and the
 *   purge deletes its row and its bytes, giving its quota back; a blob without one stays;
 * - a bad TTL is refused with BRIDGE_ARGUMENT_INVALID and stores nothing;
 * - the background purge does the same on its own, batch after batch.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';
import { appKey, emulatorOf, waitFor } from '../helpers/orchestration.ts';
import { packWithCli } from '../helpers/pack.ts';

const PLUGIN = 'retention-keeper';
const DAY = 86_400_000;
const GRANT = { storage: { read: true, write: true }, models: { tasks: ['text'], maxTier: 'basic' } };
/** Long enough for a signed URL to outlive every move of the clock here: a 404 then is the blob's, not the URL's. */
const URL_SECONDS = 30 * 86_400;

let tarball: Buffer;
beforeAll(async () => {
  tarball = (await packWithCli(`test/fixtures/plugins/${PLUGIN}`)).tarball;
});

afterEach(() => {
  vi.useRealTimers();
});

/** Moves the host's clock (this process's Date) forward; it keeps running from there. */
function moveClock(days: number): void {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(Date.now() + days * DAY);
}

interface Keeper {
  host: RunningHost;
  app: string;
  control: EmulatorControl;
}

async function keeperHost(retention: Record<string, number>): Promise<Keeper> {
  const host = await startHost({ retention, storage: { maxUrlTtlSeconds: URL_SECONDS } } as Parameters<typeof startHost>[0]);
  expect((await host.call('POST', '/v1/plugins/upload', { raw: tarball })).status).toBe(201);
  expect((await host.call('POST', `/v1/plugins/${PLUGIN}/enable`, { body: { grant: GRANT } })).status).toBe(200);
  return { host, app: await appKey(host, 'retention-app'), control: emulatorOf(host) };
}

async function agent(k: Keeper, capability: string, input: unknown): Promise<any> {
  const res = await k.host.call('POST', `/v1/agents/${PLUGIN}/keeper/${capability}`, { key: k.app, body: input });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Three finished workflows of two steps each. */
async function pairs(k: Keeper): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < 3; n++) {
    const res = await k.host.call('POST', '/v1/workflows/keeper-pair/executions?wait=true', { key: k.app, body: { n } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.status).toBe('succeeded');
    ids.push(res.body.executionId as string);
  }
  return ids;
}

/** A workflow left running: its step waits on model calls (each held back 100 ms) until released. */
async function hold(k: Keeper, tag: string): Promise<string> {
  await k.control.fault({ modelId: '*', latencyMs: 100, count: null });
  const res = await k.host.call('POST', '/v1/workflows/keeper-hold/executions?wait=false', { key: k.app, body: { tag } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  await waitFor('the held step at the emulator', async () => (await k.control.calls()).some((c) => c.prompt === `keeper wait ${tag}`));
  return res.body.executionId as string;
}

async function purge(k: Keeper, body?: unknown, key?: string | null): Promise<{ status: number; body: any }> {
  return k.host.call('POST', '/v1/retention/purge', body === undefined ? { key } : { key, body });
}

/** Passes until no kind has more due; answers every pass's report. */
async function purgeAll(k: Keeper, body: Record<string, unknown>): Promise<any[]> {
  const reports = [];
  for (;;) {
    const res = await purge(k, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    reports.push(res.body);
    if (res.body.more.length === 0) return reports;
    expect(reports.length).toBeLessThan(100);
  }
}

const total = (reports: any[], kind: string) => reports.reduce((sum, r) => sum + r.removed[kind], 0);

async function fetchUrl(host: RunningHost, url: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${host.url}${url}`);
  const text = await res.text();
  return { status: res.status, code: res.status === 200 ? undefined : JSON.parse(text).code };
}

async function metricsOf(host: RunningHost): Promise<string> {
  return (await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
}

describe('POST /v1/retention/purge', () => {
  let k: Keeper;
  afterAll(async () => {
    vi.useRealTimers();
    await k?.host.close();
  });

  test('events go before executions, old finished executions go with their steps, a running one stays, expired blobs go with their bytes; nothing of another kind is touched', async () => {
    k = await keeperHost({ executionsDays: 7, eventsDays: 2, usageDays: 1, auditDays: 1, sweepMs: 0, batch: 2 });
    const { host } = k;
    const store = host.host.store;

    const finished = await pairs(k);
    // A finished execution with a model call: one usage row, due after a day.
    await k.control.fault({ modelId: '*', stopReason: 'content_filtered', count: 1 });
    const called = (await agent(k, 'wait', { tag: 'once' })).executionId as string;
    expect(await store.usage.listByExecution(called)).toHaveLength(1);
    finished.push(called);

    const ttl = await agent(k, 'put', { key: 'ttl', size: 40, ttlSeconds: 86_400, urlSeconds: URL_SECONDS });
    expect(ttl.output.ok, JSON.stringify(ttl.output)).toBe(true);
    expect(Date.parse(ttl.output.info.expiresAt) - Date.parse(ttl.output.info.createdAt)).toBe(86_400_000);
    const keep = await agent(k, 'put', { key: 'keep', size: 10, urlSeconds: URL_SECONDS });
    expect(keep.output.info).not.toHaveProperty('expiresAt');
    expect((await agent(k, 'head', { key: 'ttl' })).output.info.expiresAt).toBe(ttl.output.info.expiresAt);

    // A bad TTL is refused before anything is stored.
    for (const ttlSeconds of [0, -5, 1.5, 'soon', 315_360_001, null]) {
      const key = `bad-${String(ttlSeconds)}`;
      const out = (await agent(k, 'put', { key, ttlSeconds })).output;
      if (ttlSeconds === null) {
        // null is "none given", as in JSON: the host's default (none here).
        expect(out.ok).toBe(true);
        expect(out.info).not.toHaveProperty('expiresAt');
        continue;
      }
      expect(out, String(ttlSeconds)).toEqual({ ok: false, code: 'BRIDGE_ARGUMENT_INVALID' });
      expect((await agent(k, 'head', { key })).output.info).toBeNull();
    }

    const running = await hold(k, 'hold-1');
    // Every finished execution so far: the workflows, and the agent calls (each one an execution too).
    const done = (await store.executions.list({ limit: 500 })).items.filter((r) => r.status !== 'running');
    expect(done.map((r) => r.id)).toEqual(expect.arrayContaining(finished));
    const ttlRow = (await store.blobs.get(PLUGIN, 'ttl'))!;
    const ttlFile = join(host.config.storage.dir, ...ttlRow.objectKey.split('/'));
    expect(existsSync(ttlFile)).toBe(true);
    const quota = await store.blobs.usage(PLUGIN);
    const events = new Map<string, number>();
    for (const { id } of done) events.set(id, await store.executionEvents.count(id));
    // Workflows keep a log; an app's plain agent call writes none (its record says the same)
    // and its stream is rebuilt from the record, until the purge below.
    expect(done.filter((r) => r.kind === 'workflow').every((r) => events.get(r.id)! > 0)).toBe(true);
    const plain = done.find((r) => r.kind === 'agent' && events.get(r.id) === 0);
    expect(plain).toBeDefined();
    const streamOf = async (id: string) => (await fetch(`${host.url}/v1/executions/${id}/events`, { headers: { authorization: `Bearer ${k.app}` } })).text();
    expect(await streamOf(plain!.id)).toMatch(/^id: 1\nevent: execution\.started\n[^]*^id: 2\nevent: execution\.finished\n/m);
    const auditRows = (await store.audit.list({ limit: 1000 })).length;

    moveClock(3);
    // Expired: gone for every reader at once, before any purge; the other blob is still there.
    expect(await fetchUrl(host, ttl.output.url)).toEqual({ status: 404, code: 'BLOB_NOT_FOUND' });
    expect((await host.call('GET', `/v1/blobs/${ttl.output.info.blobId}`, { key: k.app })).body.code).toBe('BLOB_NOT_FOUND');
    expect(await fetchUrl(host, keep.output.url)).toEqual({ status: 200 });
    expect((await agent(k, 'head', { key: 'ttl' })).output).toMatchObject({ info: null, listed: expect.not.arrayContaining(['ttl']) });

    // Event logs only, a batch of two at a time.
    const eventPasses = await purgeAll(k, { kinds: ['events'] });
    expect(eventPasses[0].removed).toMatchObject({ events: 2, executions: 0, steps: 0, usage: 0, audit: 0, blobs: 0 });
    expect(eventPasses[0].more).toEqual(['events']);
    expect(eventPasses.length).toBeGreaterThan(2);
    for (const report of eventPasses) expect(report.removed.events).toBeLessThanOrEqual(2);
    expect(total(eventPasses, 'events')).toBe([...events.values()].reduce((a, b) => a + b, 0));
    expect(eventPasses[0].cutoffs).toEqual({ executions: null, events: new Date(Date.parse(eventPasses[0].at) - 2 * DAY).toISOString(), usage: null, audit: null });
    for (const { id } of done) {
      const record = (await host.call('GET', `/v1/executions/${id}`, { key: k.app })).body;
      expect(record.status, id).toBe('succeeded');
      expect(record.eventsPurgedAt).toBeDefined();
      expect(await store.executionEvents.count(id)).toBe(0);
    }
    expect((await store.steps.listByExecution(finished[0]!)).length).toBe(2);
    // The stream of a purged log ends at once, empty; a plain agent call's is no longer rebuilt.
    expect(await streamOf(plain!.id)).not.toMatch(/^event:/m);
    const stream = await fetch(`${host.url}/v1/executions/${finished[0]}/events`, { headers: { authorization: `Bearer ${k.app}` } });
    expect(stream.status).toBe(200);
    expect(await stream.text()).not.toMatch(/^event:/m);
    // Not asked for: the usage row, the audit rows and the expired blob's row and bytes are all still there.
    expect(await store.usage.listByExecution(called)).toHaveLength(1);
    expect((await store.audit.list({ limit: 1000 })).length).toBeGreaterThanOrEqual(auditRows);
    expect(await store.blobs.get(PLUGIN, 'ttl')).toBeDefined();
    expect(existsSync(ttlFile)).toBe(true);
    expect(await store.executionEvents.count(running)).toBeGreaterThan(0);

    // Blobs: the expired one goes, row and bytes together, and its quota comes back.
    const blobPass = (await purge(k, { kinds: ['blobs'] })).body;
    expect(blobPass.removed).toMatchObject({ blobs: 1, blobBytes: 40, executions: 0, events: 0 });
    expect(await store.blobs.get(PLUGIN, 'ttl')).toBeUndefined();
    expect(existsSync(ttlFile)).toBe(false);
    expect(await store.blobs.usage(PLUGIN)).toEqual({ bytes: quota.bytes - 40, objects: quota.objects - 1 });
    expect(await fetchUrl(host, keep.output.url)).toEqual({ status: 200 });

    moveClock(5);
    // Executions, with their steps; the running one stays whatever its age.
    const executionPasses = await purgeAll(k, { kinds: ['executions'] });
    for (const report of executionPasses) expect(report.removed.executions + report.removed.steps + report.removed.events).toBeLessThanOrEqual(2);
    expect(total(executionPasses, 'executions')).toBe(done.length);
    expect(total(executionPasses, 'steps')).toBe(3 * 2);
    for (const { id } of done) {
      expect((await host.call('GET', `/v1/executions/${id}`, { key: k.app })).body.code).toBe('EXECUTION_NOT_FOUND');
      expect(await store.steps.listByExecution(id)).toEqual([]);
    }
    const live = (await host.call('GET', `/v1/executions/${running}`, { key: k.app })).body;
    expect(live).toMatchObject({ status: 'running', steps: [{ status: 'running' }] });
    expect(await store.executionEvents.count(running)).toBeGreaterThan(0);
    // Usage and audit rows are still there: they were not asked for.
    expect(await store.usage.listByExecution(called)).toHaveLength(1);
    expect((await store.audit.list({ limit: 1000 })).length).toBeGreaterThanOrEqual(auditRows);

    // Every kind by its configured days: the usage row and the old audit rows go; the running execution's usage stays.
    const heldUsage = (await store.usage.listByExecution(running)).length;
    expect(heldUsage).toBeGreaterThan(0);
    const all = await purgeAll(k, {});
    expect(total(all, 'usage')).toBe(1);
    expect(total(all, 'audit')).toBeGreaterThanOrEqual(auditRows);
    expect(await store.usage.listByExecution(called)).toEqual([]);
    expect((await store.usage.listByExecution(running)).length).toBeGreaterThanOrEqual(heldUsage);
    expect((await host.call('GET', `/v1/executions/${running}`, { key: k.app })).body.status).toBe('running');
    expect(await fetchUrl(host, keep.output.url)).toEqual({ status: 200 });

    // Each pass is audited; `before` moves the cut-off, here past the audit rows just written.
    const audits = await store.audit.list({ limit: 100, action: 'retention.purge' });
    expect(audits.length).toBeGreaterThan(0);
    expect(audits[0]).toMatchObject({ actor: expect.stringMatching(/^key:/), outcome: 'ok', details: { kinds: ['events', 'executions', 'usage', 'audit', 'blobs'], removed: expect.any(Object) } });
    const before = new Date().toISOString();
    const cut = (await purge(k, { kinds: ['audit'], before })).body;
    expect(cut.cutoffs.audit).toBe(before);
    expect(cut.removed.audit).toBeGreaterThan(0);

    // Once the held execution ends, it is an old finished execution like the others.
    await k.control.fault({ modelId: '*', stopReason: 'content_filtered', count: 1 });
    const ended = await waitFor('the held execution to finish', async () => {
      const record = await store.executions.get(running);
      return record?.status === 'succeeded' && record.finishedAt;
    });
    // `before` is exclusive, and the moved clock runs in steps of 20 ms: wait until it is past the end.
    await waitFor('the clock to pass the end', async () => Date.now() > Date.parse(ended));
    const gone = await purgeAll(k, { kinds: ['executions'], before: new Date().toISOString() });
    // It, and the head call made after the first move of the clock (not 7 days old yet): `before` is now.
    expect(total(gone, 'executions')).toBe(2);
    expect((await host.call('GET', `/v1/executions/${running}`, { key: k.app })).body.code).toBe('EXECUTION_NOT_FOUND');
  });

  test('is for admin keys only, refuses bad bodies, and a refused request changes nothing', async () => {
    const { host } = k;
    const store = host.host.store;
    const auditBefore = (await store.audit.list({ limit: 1000 })).length;
    const keepBefore = await store.blobs.get(PLUGIN, 'keep');
    expect(await purge(k, {}, null)).toMatchObject({ status: 401, body: { code: 'AUTH_REQUIRED' } });
    expect(await purge(k, {}, k.app)).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    for (const body of [{ kinds: ['nope'] }, { kinds: [] }, { kinds: ['audit', 'audit'] }, { before: 'yesterday' }, { everything: true }, { before: new Date(Date.now() + DAY).toISOString() }]) {
      const res = await purge(k, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code, JSON.stringify(body)).toBe('REQUEST_INVALID');
    }
    expect((await store.audit.list({ limit: 1000 })).length).toBe(auditBefore);
    expect(await store.blobs.get(PLUGIN, 'keep')).toEqual(keepBefore);
    // With no body at all: a pass by the configured days.
    const res = await host.call('POST', '/v1/retention/purge');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Object.keys(res.body.removed).sort()).toEqual(['audit', 'blobBytes', 'blobs', 'events', 'executions', 'steps', 'usage']);
    const text = await metricsOf(host);
    expect(text).toMatch(/^easel_retention_purged_total\{kind="executions"\} [1-9]/m);
    expect(text).toMatch(/^easel_retention_purged_total\{kind="blobs"\} 1$/m);
  });
});

describe('the background purge', () => {
  test('removes old finished executions and expired blobs on its own, in batches, and leaves a running execution, blobs without a TTL and other kinds alone', async () => {
    const k = await keeperHost({ executionsDays: 7, eventsDays: 2, sweepMs: 200, batch: 2 });
    try {
      const { host } = k;
      const store = host.host.store;
      const finished = await pairs(k);
      const ttl = await agent(k, 'put', { key: 'ttl', size: 8, ttlSeconds: 3600, urlSeconds: URL_SECONDS });
      const keep = await agent(k, 'put', { key: 'keep', size: 8, urlSeconds: URL_SECONDS });
      const ttlFile = join(host.config.storage.dir, ...(await store.blobs.get(PLUGIN, 'ttl'))!.objectKey.split('/'));
      const running = await hold(k, 'hold-bg');
      // The workflows and the two agent calls that stored the blobs.
      const done = (await store.executions.list({ limit: 500 })).items.filter((r) => r.status !== 'running').map((r) => r.id);
      expect(done).toHaveLength(finished.length + 2);
      const audit = (await store.audit.list({ limit: 1000 })).map((r) => r.id);
      const usage = (await store.usage.listByExecution(running)).length;

      moveClock(8);
      await waitFor(
        'the old executions and the expired blob to be purged',
        async () => (await Promise.all(done.map((id) => store.executions.get(id)))).every((r) => r === undefined) && (await store.blobs.get(PLUGIN, 'ttl')) === undefined,
        30_000,
      );
      for (const id of done) {
        expect(await store.steps.listByExecution(id)).toEqual([]);
        expect(await store.executionEvents.count(id)).toBe(0);
      }
      expect(existsSync(ttlFile)).toBe(false);
      expect(await fetchUrl(host, ttl.output.url)).toEqual({ status: 404, code: 'BLOB_NOT_FOUND' });
      expect(await fetchUrl(host, keep.output.url)).toEqual({ status: 200 });
      expect((await store.executions.get(running))?.status).toBe('running');
      expect((await store.steps.listByExecution(running)).length).toBe(1);
      expect(await store.executionEvents.count(running)).toBeGreaterThan(0);
      // Audit (365 days) and usage (400 days) rows are not due: every one is still there.
      const after = new Set((await store.audit.list({ limit: 1000 })).map((r) => r.id));
      expect(audit.every((id) => after.has(id))).toBe(true);
      expect((await store.usage.listByExecution(running)).length).toBeGreaterThanOrEqual(usage);
      // 3 executions with 2 steps and several events each, 2 rows a batch: it took many passes.
      const text = await metricsOf(host);
      expect(text).toMatch(/^easel_retention_purged_total\{kind="executions"\} 5$/m);
      expect(text).toMatch(/^easel_retention_purged_total\{kind="steps"\} 6$/m);
      await k.control.fault({ modelId: '*', stopReason: 'content_filtered', count: 1 });
      await waitFor('the held execution to finish', async () => (await store.executions.get(running))?.status === 'succeeded');
    } finally {
      vi.useRealTimers();
      await k.host.close();
    }
  });
});
