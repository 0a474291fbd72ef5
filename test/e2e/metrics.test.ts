/**
 * `GET /metrics` through a real host: the exposition parses as Prometheus text, and after a
 * known sequence of calls (an exact-cache hit, a fallback, a budget refusal, a sandbox kill, an
 * install that fails) each counter has moved by exactly what that sequence accounts for. The
 * calls go out under a distinctive user id, which must appear nowhere in the exposition, nor
 * may the app's id, the execution ids or a probed URL.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmulatorControl } from '@easel/bedrock-emulator';
import { packWithCli } from '../helpers/pack.ts';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { NAMED_FAMILIES, scrape, type Scrape } from '../helpers/prometheus.ts';

const USER = 'metrics-canary-user-5b1e9';
const AGENT_ROUTE = '/v1/agents/:plugin/:agent/:capability';

let host: RunningHost;
let control: EmulatorControl;
let appKey: string;
let appId: string;
const executionIds: string[] = [];

const run = async (plugin: string, agent: string, capability: string, body: unknown, user = USER) => {
  const res = await host.call('POST', `/v1/agents/${plugin}/${agent}/${capability}`, { key: appKey, body, headers: { 'x-easel-user': user } });
  if (typeof res.body?.executionId === 'string') executionIds.push(res.body.executionId);
  return res;
};
const text = (body: Record<string, unknown>, user?: string) => run('model-user', 'writer', 'text', { maxTokens: 24, ...body }, user);

/** How much each counter moved between two scrapes, for one label set. */
const moved = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);

beforeAll(async () => {
  // A throttled model stays cooling for the rest of the file: the fallback test is the only one that throttles.
  host = await startHost({ models: { throttleCooldownMs: 600_000 } });
  control = host.host.models.emulator?.control as EmulatorControl;
  ({ key: appKey, appId } = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'metrics' } })).body);
  for (const fixture of ['model-user', 'sandbox-limits']) {
    const { tarball } = await packWithCli(`test/fixtures/plugins/${fixture}`);
    const uploaded = await host.call('POST', '/v1/plugins/upload', { raw: tarball });
    expect(uploaded.status).toBe(201);
    expect((await host.call('POST', `/v1/plugins/${uploaded.body.plugin.name}/enable`, { body: { grant: 'requested' } })).status).toBe(200);
  }
});
afterAll(async () => host?.close());

describe('GET /metrics', () => {
  test('parses as Prometheus text, every family typed and documented, with every family of the reference', async () => {
    const s = await scrape(host);
    for (const name of [...NAMED_FAMILIES, 'easel_key_execution_slots_in_use']) {
      expect(s.families.has(name), name).toBe(true);
    }
    expect(s.families.get('easel_http_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(s.families.get('easel_sandbox_isolates_live')?.type).toBe('GAUGE');
    // The two uploads of the set-up, and no failure yet.
    expect(s.value('easel_plugin_installs_total', { source: 'upload', outcome: 'ok' })).toBe(2);
    expect(s.value('easel_plugin_installs_total', { outcome: 'failed' })).toBe(0);
    // Isolates were built by the enables' load checks; one worker answers.
    expect(s.value('easel_sandbox_workers')).toBe(1);
    expect(s.value('easel_sandbox_worker_rss_bytes')).toBeGreaterThan(0);
    expect(s.value('easel_execution_slots_in_use')).toBe(0);
    expect(s.value('easel_execution_queue_depth')).toBe(0);
  });

  test('an exact-cache hit: one miss sent and billed, one hit that costs nothing', async () => {
    const before = await scrape(host);
    const first = await text({ prompt: 'Name a colour of the sea' });
    expect(first.status).toBe(200);
    expect(first.body.output.cached).toBe(false);
    const second = await text({ prompt: 'Name a colour of the sea' });
    expect(second.body.output.cached).toBe('exact');
    const model = first.body.output.model as string;
    const after = await scrape(host);

    expect(moved(before, after, 'easel_model_calls_total', { model, task: 'text', outcome: 'ok', cache: 'miss' })).toBe(1);
    expect(moved(before, after, 'easel_model_calls_total', { model, task: 'text', outcome: 'ok', cache: 'hit' })).toBe(1);
    expect(moved(before, after, 'easel_model_calls_total')).toBe(2);
    expect(moved(before, after, 'easel_model_call_duration_seconds_count', { model, cache: 'hit' })).toBe(1);
    expect(moved(before, after, 'easel_model_input_tokens_total', { model, task: 'text' })).toBe(first.body.output.inputTokens);
    expect(moved(before, after, 'easel_model_output_tokens_total', { model, task: 'text' })).toBe(first.body.output.outputTokens);
    expect(moved(before, after, 'easel_model_cost_usd_total', { model, task: 'text' })).toBeCloseTo(first.body.output.cost, 12);
    expect(moved(before, after, 'easel_http_requests_total', { route: AGENT_ROUTE, method: 'POST', status: '200' })).toBe(2);
    expect(moved(before, after, 'easel_http_request_duration_seconds_count', { route: AGENT_ROUTE, method: 'POST', status: '200' })).toBe(2);
    expect(moved(before, after, 'easel_model_fallbacks_total')).toBe(0);
  });

  test('a fallback: the throttled first choice is counted as failed, fallen back from and cooled; the next one answers', async () => {
    const before = await scrape(host);
    const primary = (await text({ prompt: 'Which model answers first?', cache: false })).body.output.model as string;
    await control.fault({ modelId: primary, exception: 'ThrottlingException', count: 1 });
    const res = await text({ prompt: 'Which model answers now?', cache: false });
    expect(res.status).toBe(200);
    const fallback = res.body.output.model as string;
    expect(fallback).not.toBe(primary);
    const after = await scrape(host);

    expect(moved(before, after, 'easel_model_fallbacks_total', { task: 'text', model: primary, reason: 'throttled' })).toBe(1);
    expect(moved(before, after, 'easel_model_fallbacks_total')).toBe(1);
    expect(moved(before, after, 'easel_model_cooldowns_total', { model: primary, reason: 'throttled' })).toBe(1);
    expect(moved(before, after, 'easel_model_calls_total', { model: primary, outcome: 'failed', cache: 'bypass' })).toBe(1);
    expect(moved(before, after, 'easel_model_calls_total', { model: primary, outcome: 'ok', cache: 'bypass' })).toBe(1);
    expect(moved(before, after, 'easel_model_calls_total', { model: fallback, outcome: 'ok', cache: 'bypass' })).toBe(1);
    expect(after.value('easel_models_cooling')).toBe(1);
  });

  test('a budget refusal is counted by the scope that bound, and nothing is sent', async () => {
    expect((await host.call('PUT', `/v1/apps/${appId}/users/${USER}-poor/budget`, { body: { monthlyUsd: 0 } })).status).toBe(200);
    const before = await scrape(host);
    const res = await text({ prompt: 'Anything at all', cache: false }, `${USER}-poor`);
    expect(res.status).toBe(402);
    expect(res.body.code).toBe('BUDGET_EXCEEDED');
    const after = await scrape(host);
    expect(moved(before, after, 'easel_model_budget_refusals_total', { task: 'text', scope: 'user' })).toBe(1);
    expect(moved(before, after, 'easel_model_budget_refusals_total')).toBe(1);
    expect(moved(before, after, 'easel_model_calls_total')).toBe(0);
    expect(moved(before, after, 'easel_http_requests_total', { route: AGENT_ROUTE, method: 'POST', status: '402' })).toBe(1);
  });

  test('a sandbox kill: a handler looping past its CPU budget is counted by plugin and cause; the worker is not restarted', async () => {
    const before = await scrape(host);
    const res = await run('sandbox-limits', 'limits', 'sync-loop', {});
    expect(res.body.code).toBe('EXECUTION_TIMEOUT');
    // The isolate is rebuilt: the plugin answers again.
    expect((await run('sandbox-limits', 'limits', 'echo', { hi: 1 })).status).toBe(200);
    const after = await scrape(host);
    expect(moved(before, after, 'easel_sandbox_kills_total', { plugin: 'sandbox-limits', cause: 'timeout' })).toBe(1);
    expect(moved(before, after, 'easel_sandbox_kills_total')).toBe(1);
    expect(moved(before, after, 'easel_sandbox_worker_restarts_total')).toBe(0);
    expect(after.value('easel_plugins_quarantined')).toBe(0);
    // Both plugins have a live isolate, each with a heap.
    expect(after.value('easel_sandbox_isolates_live')).toBeGreaterThanOrEqual(2);
    expect(after.value('easel_sandbox_isolate_heap_bytes', { plugin: 'model-user' })).toBeGreaterThan(0);
    expect(after.value('easel_sandbox_isolate_heap_bytes', { plugin: 'sandbox-limits' })).toBeGreaterThan(0);
  });

  test('a failed upload is counted with its code; a URL no route matches is counted under one fixed label', async () => {
    const before = await scrape(host);
    const bad = await host.call('POST', '/v1/plugins/upload', { raw: Buffer.from('not a tarball') });
    expect(bad.status).toBe(400);
    const probe = `/no-such-route-${USER}/wp-admin.php`;
    expect((await fetch(`${host.url}${probe}`)).status).toBe(404);
    const after = await scrape(host);
    expect(moved(before, after, 'easel_plugin_installs_total', { source: 'upload', outcome: 'failed', code: bad.body.code })).toBe(1);
    expect(moved(before, after, 'easel_plugin_installs_total', { outcome: 'ok' })).toBe(0);
    expect(moved(before, after, 'easel_http_requests_total', { route: '(unmatched)', method: 'GET', status: '404' })).toBe(1);
    expect(after.text).not.toContain('wp-admin');
  });

  test('no label carries a user id, an app id, a key or an execution id', async () => {
    const s = await scrape(host);
    expect(executionIds.length).toBeGreaterThan(4);
    expect(s.text).not.toContain(USER);
    expect(s.text).not.toContain(appId);
    expect(s.text).not.toContain(appKey);
    for (const id of executionIds) expect(s.text).not.toContain(id);
    // Label values come from bounded sets: every route label is a registered pattern or the fixed one.
    const routes = new Set(s.samples('easel_http_requests_total').map((x) => x.labels?.route));
    for (const route of routes) expect(route === '(unmatched)' || route?.startsWith('/'), String(route)).toBe(true);
    for (const route of routes) expect(route).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  test('an app key is refused', async () => {
    const res = await fetch(`${host.url}/metrics`, { headers: { authorization: `Bearer ${appKey}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('FORBIDDEN');
  });
});
