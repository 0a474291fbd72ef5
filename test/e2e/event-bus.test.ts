/**
 * The internal event bus through a real host: plugin lifecycle changes reach bus listeners
 * and `GET /metrics`, also after a restart; workflow and agent events (published here by
 * hand, as orchestration would) become metrics and audit rows.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { HostEvent } from '../../host/src/events/index.ts';
import { packWithCli } from '../helpers/pack.ts';
import { ADMIN_TOKEN, startHost, type RunningHost } from '../helpers/host.ts';

/** How long background work (deletes, audit rows) may take on a loaded machine; vi.waitFor's default is 1 s. */
const SETTLED = { timeout: 10_000 };

let host: RunningHost;
let appKey: string;
let v1: Buffer;
let v2: Buffer;
let seen: HostEvent[] = [];

function listen(running: RunningHost): void {
  const bus = running.host.bus;
  for (const type of ['plugin.registered', 'plugin.unregistered', 'agent.invoked', 'workflow.finished'] as const) {
    bus.on(type, (e: HostEvent) => void seen.push(e));
  }
}

/** Events seen since the last call. */
function drain(): HostEvent[] {
  const out = seen;
  seen = [];
  return out;
}

async function scrape(key: string | null = ADMIN_TOKEN): Promise<{ status: number; contentType: string | null; text: string }> {
  const res = await fetch(`${host.url}/metrics`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

/** The value of one sample line (`name{labels}` exactly as exposed), or undefined when absent. */
async function sample(series: string): Promise<number | undefined> {
  const line = (await scrape()).text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(async () => {
  v1 = (await packWithCli('plugins-external/hello')).tarball;
  v2 = (await packWithCli('test/fixtures/plugins/hello-v2')).tarball;
  host = await startHost();
  listen(host);
  appKey = (await host.call('POST', '/v1/keys', { body: { role: 'app', label: 'app' } })).body.key;
});
afterAll(async () => host?.close());

describe('GET /metrics', () => {
  test('answers the Prometheus text format to an admin key, with process metrics', async () => {
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('easel_process_cpu_user_seconds_total');
    expect(await sample('easel_plugins_active')).toBe(0);
  });

  test('refuses a request without a key, and an app key', async () => {
    const anonymous = await scrape(null);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.text).code).toBe('AUTH_REQUIRED');
    const app = await scrape(appKey);
    expect(app.status).toBe(403);
    expect(JSON.parse(app.text).code).toBe('FORBIDDEN');
    expect(app.text).not.toContain('easel_');
  });
});

describe('plugin lifecycle events', () => {
  test('an upload installs a disabled plugin: nothing is registered', async () => {
    expect((await host.call('POST', '/v1/plugins/upload', { raw: v1 })).status).toBe(201);
    expect(drain()).toEqual([]);
  });

  test('enable publishes plugin.registered, counted by /metrics; enabling again (a new grant) does not', async () => {
    expect((await host.call('POST', '/v1/plugins/hello/enable', { body: { grant: 'requested' } })).status).toBe(200);
    expect(drain()).toEqual([{ type: 'plugin.registered', plugin: 'hello', version: '1.0.0' }]);
    expect((await host.call('POST', '/v1/plugins/hello/enable', { body: { grant: {} } })).status).toBe(200);
    expect(drain()).toEqual([]);
    expect(await sample('easel_plugin_registrations_total{plugin="hello"}')).toBe(1);
    expect(await sample('easel_plugins_active')).toBe(1);
  });

  test('an upgrade of an enabled plugin replaces the old version with the new one', async () => {
    expect((await host.call('POST', '/v1/plugins/upload', { raw: v2 })).status).toBe(201);
    expect(drain()).toEqual([
      { type: 'plugin.unregistered', plugin: 'hello', version: '1.0.0', reason: 'replaced' },
      { type: 'plugin.registered', plugin: 'hello', version: '1.1.0' },
    ]);
    expect(await sample('easel_plugin_unregistrations_total{plugin="hello",reason="replaced"}')).toBe(1);
    expect(await sample('easel_plugins_active')).toBe(1);
  });

  test('disable publishes plugin.unregistered once; a refused enable publishes nothing', async () => {
    expect((await host.call('POST', '/v1/plugins/hello/disable')).status).toBe(200);
    expect((await host.call('POST', '/v1/plugins/hello/disable')).status).toBe(200);
    expect(drain()).toEqual([{ type: 'plugin.unregistered', plugin: 'hello', version: '1.1.0', reason: 'disabled' }]);
    expect(await sample('easel_plugin_unregistrations_total{plugin="hello",reason="disabled"}')).toBe(1);
    expect(await sample('easel_plugins_active')).toBe(0);

    const refused = await host.call('POST', '/v1/plugins/hello/enable', { body: { grant: { kv: true, storage: { write: true } } } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('GRANT_INVALID');
    expect(drain()).toEqual([]);
  });

  test('after a restart every enabled plugin is announced as registered', async () => {
    expect((await host.call('POST', '/v1/plugins/hello/enable', { body: { grant: 'requested' } })).status).toBe(200);
    drain();
    host = await host.restart();
    // The new host's metrics heard the announcement made while it started.
    expect(await sample('easel_plugin_registrations_total{plugin="hello"}')).toBe(1);
    expect(await sample('easel_plugins_active')).toBe(1);
    listen(host);
  });

  test('uninstalling an enabled plugin publishes plugin.unregistered (uninstalled)', async () => {
    expect((await host.call('DELETE', '/v1/plugins/hello')).status).toBe(200);
    expect(drain()).toEqual([{ type: 'plugin.unregistered', plugin: 'hello', version: '1.1.0', reason: 'uninstalled' }]);
    expect(await sample('easel_plugin_unregistrations_total{plugin="hello",reason="uninstalled"}')).toBe(1);
    expect(await sample('easel_plugins_active')).toBe(0);
  });

  test('uninstalling a disabled plugin publishes nothing: it was unregistered when disabled', async () => {
    expect((await host.call('POST', '/v1/plugins/upload', { raw: v1 })).status).toBe(201);
    expect((await host.call('DELETE', '/v1/plugins/hello')).status).toBe(200);
    expect(drain()).toEqual([]);
  });
});

describe('orchestration events become metrics and audit rows', () => {
  const finished = { type: 'workflow.finished', plugin: 'story', version: '2.0.0', workflow: 'tell', costUsd: 0.5, durationMs: 2500 } as const;

  test('workflow.finished: counted, timed and costed in /metrics, and audited', async () => {
    host.host.bus.publish({ ...finished, executionId: 'exec-ok', status: 'succeeded' });
    host.host.bus.publish({ ...finished, executionId: 'exec-failed', status: 'failed', costUsd: 0.25, errorCode: 'PLUGIN_ERROR' });

    expect(await sample('easel_workflows_finished_total{plugin="story",workflow="tell",status="succeeded"}')).toBe(1);
    expect(await sample('easel_workflows_finished_total{plugin="story",workflow="tell",status="failed"}')).toBe(1);
    expect(await sample('easel_workflow_duration_seconds_sum{plugin="story",workflow="tell",status="succeeded"}')).toBe(2.5);
    expect(await sample('easel_workflow_cost_usd_total{plugin="story",workflow="tell"}')).toBe(0.75);

    const rows = await vi.waitFor(async () => {
      const found = await host.host.store.audit.list({ limit: 10, action: 'workflow.finished' });
      expect(found).toHaveLength(2);
      return found.reverse();
    }, SETTLED);
    expect(rows[0]).toMatchObject({
      actor: 'plugin:story@2.0.0',
      target: 'exec-ok',
      outcome: 'ok',
      details: { plugin: 'story', version: '2.0.0', workflow: 'tell', status: 'succeeded', costUsd: 0.5, durationMs: 2500 },
    });
    expect(rows[1]).toMatchObject({ target: 'exec-failed', outcome: 'failed', details: { status: 'failed', errorCode: 'PLUGIN_ERROR' } });
  });

  test('agent.invoked: counted by caller; only a call from another plugin is audited', async () => {
    const call = { type: 'agent.invoked', executionId: 'exec-2', plugin: 'canvas', version: '1.0.0', agent: 'painter', capability: 'paint' } as const;
    host.host.bus.publish(call);
    host.host.bus.publish({ ...call, stepId: 'step-1', caller: 'canvas' });
    host.host.bus.publish({ ...call, stepId: 'step-2', caller: 'story' });

    expect(await sample('easel_agent_invocations_total{plugin="canvas",agent="painter",capability="paint",caller="app"}')).toBe(1);
    expect(await sample('easel_agent_invocations_total{plugin="canvas",agent="painter",capability="paint",caller="canvas"}')).toBe(1);
    expect(await sample('easel_agent_invocations_total{plugin="canvas",agent="painter",capability="paint",caller="story"}')).toBe(1);
    const rows = await vi.waitFor(async () => {
      const found = await host.host.store.audit.list({ limit: 10, action: 'agents.invoke' });
      expect(found).toHaveLength(1);
      return found;
    }, SETTLED);
    expect(rows[0]).toMatchObject({ actor: 'plugin:story', target: 'canvas/painter.paint', outcome: 'ok', details: { executionId: 'exec-2', stepId: 'step-2' } });
  });
});
