import Fastify from 'fastify';
import { describe, expect, test } from 'vitest';
import { EventBus } from '../events/index.ts';
import type { SandboxStats } from '../sandbox/index.ts';
import { HostMetrics } from './metrics.ts';
import { pluginNameOf } from './plugin-name.ts';

function setup() {
  const errors: object[] = [];
  const bus = new EventBus({ error: (obj) => void errors.push(obj) });
  return { bus, metrics: new HostMetrics(bus), errors };
}

/** The sample lines of one metric family, without HELP/TYPE comments. */
async function samples(metrics: HostMetrics, name: string): Promise<string[]> {
  const { body } = await metrics.render();
  return body.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('HostMetrics', () => {
  test('serves the Prometheus text format with the process metrics under the easel_ prefix', async () => {
    const { metrics } = setup();
    const { contentType, body } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('# TYPE easel_process_cpu_user_seconds_total counter');
    expect(body).toContain('easel_nodejs_heap_size_used_bytes');
    expect(body).not.toMatch(/^process_/m);
    expect(await samples(metrics, 'easel_plugins_active')).toEqual(['easel_plugins_active 0']);
  });

  test('registrations and unregistrations are counted, and the active gauge counts distinct plugins', async () => {
    const { bus, metrics } = setup();
    bus.publish({ type: 'plugin.registered', plugin: 'hello', version: '1.0.0' });
    bus.publish({ type: 'plugin.registered', plugin: 'canvas', version: '2.0.0' });
    // Sent twice (say, announced at start after an enable): counted, but still one active plugin.
    bus.publish({ type: 'plugin.registered', plugin: 'hello', version: '1.0.0' });
    expect(await samples(metrics, 'easel_plugins_active')).toEqual(['easel_plugins_active 2']);

    bus.publish({ type: 'plugin.unregistered', plugin: 'hello', version: '1.0.0', reason: 'replaced' });
    expect(await samples(metrics, 'easel_plugins_active')).toEqual(['easel_plugins_active 1']);
    bus.publish({ type: 'plugin.registered', plugin: 'hello', version: '1.1.0' });
    bus.publish({ type: 'plugin.unregistered', plugin: 'canvas', version: '2.0.0', reason: 'disabled' });
    bus.publish({ type: 'plugin.unregistered', plugin: 'canvas', version: '2.0.0', reason: 'uninstalled' });

    expect(await samples(metrics, 'easel_plugins_active')).toEqual(['easel_plugins_active 1']);
    expect(await samples(metrics, 'easel_plugin_registrations_total')).toEqual([
      'easel_plugin_registrations_total{plugin="hello"} 3',
      'easel_plugin_registrations_total{plugin="canvas"} 1',
    ]);
    expect(await samples(metrics, 'easel_plugin_unregistrations_total')).toEqual([
      'easel_plugin_unregistrations_total{plugin="hello",reason="replaced"} 1',
      'easel_plugin_unregistrations_total{plugin="canvas",reason="disabled"} 1',
      'easel_plugin_unregistrations_total{plugin="canvas",reason="uninstalled"} 1',
    ]);
  });

  test('agent invocations are labelled with the calling plugin, or app', async () => {
    const { bus, metrics } = setup();
    const call = { type: 'agent.invoked', executionId: 'e1', plugin: 'canvas', version: '1.0.0', agent: 'painter', capability: 'paint' } as const;
    bus.publish(call);
    bus.publish({ ...call, caller: 'story' });
    bus.publish({ ...call, caller: 'story', stepId: 's2' });
    expect(await samples(metrics, 'easel_agent_invocations_total')).toEqual([
      'easel_agent_invocations_total{plugin="canvas",agent="painter",capability="paint",caller="app"} 1',
      'easel_agent_invocations_total{plugin="canvas",agent="painter",capability="paint",caller="story"} 2',
    ]);
  });

  test('finished workflows: count and duration by status, cost summed per workflow', async () => {
    const { bus, metrics, errors } = setup();
    const base = { type: 'workflow.finished', executionId: 'e1', plugin: 'story', version: '1.0.0', workflow: 'tell' } as const;
    bus.publish({ ...base, status: 'succeeded', costUsd: 0.25, durationMs: 1500 });
    bus.publish({ ...base, status: 'succeeded', costUsd: 0.5, durationMs: 200 });
    bus.publish({ ...base, status: 'failed', costUsd: 0.125, durationMs: 40, errorCode: 'PLUGIN_ERROR' });
    // A bogus cost or duration is not counted, and does not stop the rest of the event.
    bus.publish({ ...base, status: 'cancelled', costUsd: Number.NaN, durationMs: -1 });

    expect(await samples(metrics, 'easel_workflows_finished_total')).toEqual([
      'easel_workflows_finished_total{plugin="story",workflow="tell",status="succeeded"} 2',
      'easel_workflows_finished_total{plugin="story",workflow="tell",status="failed"} 1',
      'easel_workflows_finished_total{plugin="story",workflow="tell",status="cancelled"} 1',
    ]);
    expect(await samples(metrics, 'easel_workflow_cost_usd_total')).toEqual(['easel_workflow_cost_usd_total{plugin="story",workflow="tell"} 0.875']);
    const duration = await samples(metrics, 'easel_workflow_duration_seconds_count');
    expect(duration).toEqual([
      'easel_workflow_duration_seconds_count{plugin="story",workflow="tell",status="succeeded"} 2',
      'easel_workflow_duration_seconds_count{plugin="story",workflow="tell",status="failed"} 1',
    ]);
    expect(await samples(metrics, 'easel_workflow_duration_seconds_sum')).toContain('easel_workflow_duration_seconds_sum{plugin="story",workflow="tell",status="succeeded"} 1.7');
    expect(await samples(metrics, 'easel_workflow_duration_seconds_bucket')).toContain('easel_workflow_duration_seconds_bucket{le="1",plugin="story",workflow="tell",status="succeeded"} 1');
    expect(errors).toEqual([]);
  });

  test('unreconciled model calls charged at a start are counted per plugin and model, with their cost', async () => {
    const { metrics } = setup();
    expect(await samples(metrics, 'easel_model_unreconciled_total')).toEqual([]);
    metrics.countUnreconciled([
      { pluginName: 'canvas', modelId: 'amazon.nova-canvas-v1:0', calls: 3, costUsd: 0.12 },
      { modelId: 'amazon.titan-embed-text-v2:0', calls: 1, costUsd: 0.0001 },
      // A bogus figure adds nothing rather than failing the rest.
      { pluginName: 'story', modelId: 'm', calls: Number.NaN, costUsd: -1 },
    ]);
    metrics.countUnreconciled([{ pluginName: 'canvas', modelId: 'amazon.nova-canvas-v1:0', calls: 1, costUsd: 0.04 }]);
    expect(await samples(metrics, 'easel_model_unreconciled_total')).toEqual([
      'easel_model_unreconciled_total{plugin="canvas",model="amazon.nova-canvas-v1:0"} 4',
      'easel_model_unreconciled_total{plugin="",model="amazon.titan-embed-text-v2:0"} 1',
    ]);
    expect(await samples(metrics, 'easel_model_unreconciled_cost_usd_total')).toEqual([
      'easel_model_unreconciled_cost_usd_total{plugin="canvas",model="amazon.nova-canvas-v1:0"} 0.16',
      'easel_model_unreconciled_cost_usd_total{plugin="",model="amazon.titan-embed-text-v2:0"} 0.0001',
    ]);
  });

  test('each instance has its own registry, and close stops counting', async () => {
    const first = setup();
    const second = setup();
    first.bus.publish({ type: 'plugin.registered', plugin: 'hello', version: '1.0.0' });
    expect(await samples(first.metrics, 'easel_plugin_registrations_total')).toHaveLength(1);
    expect(await samples(second.metrics, 'easel_plugin_registrations_total')).toEqual([]);

    first.metrics.close();
    first.bus.publish({ type: 'plugin.registered', plugin: 'hello', version: '1.0.0' });
    expect(await samples(first.metrics, 'easel_plugin_registrations_total')).toEqual(['easel_plugin_registrations_total{plugin="hello"} 1']);
  });

  test('model events: calls by model, task, outcome and cache, with tokens, images and cost; fallbacks, cooldowns, waits, refusals', async () => {
    const { bus, metrics } = setup();
    const call = { type: 'model.called', task: 'text', modelId: 'm1', outcome: 'ok', cache: 'miss', latencyMs: 250, inputTokens: 10, outputTokens: 5, images: 0, costUsd: 0.002 } as const;
    bus.publish(call);
    bus.publish({ ...call, cache: 'hit', latencyMs: 1, inputTokens: 0, outputTokens: 0, costUsd: 0 });
    bus.publish({ ...call, task: 'image', modelId: 'canvas', inputTokens: 0, outputTokens: 0, images: 2, costUsd: 0.08 });
    // Bogus figures add nothing, and the call is still counted.
    bus.publish({ ...call, outcome: 'failed', cache: 'bypass', latencyMs: Number.NaN, inputTokens: -3, outputTokens: Number.POSITIVE_INFINITY, costUsd: -1 });
    bus.publish({ type: 'model.fallback', task: 'text', modelId: 'm1', reason: 'throttled' });
    bus.publish({ type: 'model.cooled', modelId: 'm1', reason: 'throttled' });
    bus.publish({ type: 'model.quota-waited', task: 'text', waitMs: 1500 });
    bus.publish({ type: 'model.budget-refused', task: 'text', scope: 'app' });
    expect(await samples(metrics, 'easel_model_calls_total')).toEqual([
      'easel_model_calls_total{model="m1",task="text",outcome="ok",cache="miss"} 1',
      'easel_model_calls_total{model="m1",task="text",outcome="ok",cache="hit"} 1',
      'easel_model_calls_total{model="canvas",task="image",outcome="ok",cache="miss"} 1',
      'easel_model_calls_total{model="m1",task="text",outcome="failed",cache="bypass"} 1',
    ]);
    expect(await samples(metrics, 'easel_model_input_tokens_total')).toEqual(['easel_model_input_tokens_total{model="m1",task="text"} 10']);
    expect(await samples(metrics, 'easel_model_output_tokens_total')).toEqual(['easel_model_output_tokens_total{model="m1",task="text"} 5']);
    expect(await samples(metrics, 'easel_model_images_total')).toEqual(['easel_model_images_total{model="canvas"} 2']);
    expect(await samples(metrics, 'easel_model_cost_usd_total')).toEqual(['easel_model_cost_usd_total{model="m1",task="text"} 0.002', 'easel_model_cost_usd_total{model="canvas",task="image"} 0.08']);
    expect(await samples(metrics, 'easel_model_call_duration_seconds_count')).toContain('easel_model_call_duration_seconds_count{model="m1",task="text",outcome="ok",cache="hit"} 1');
    expect(await samples(metrics, 'easel_model_call_duration_seconds_count')).not.toContain('easel_model_call_duration_seconds_count{model="m1",task="text",outcome="failed",cache="bypass"} 1');
    expect(await samples(metrics, 'easel_model_fallbacks_total')).toEqual(['easel_model_fallbacks_total{task="text",model="m1",reason="throttled"} 1']);
    expect(await samples(metrics, 'easel_model_cooldowns_total')).toEqual(['easel_model_cooldowns_total{model="m1",reason="throttled"} 1']);
    expect(await samples(metrics, 'easel_model_quota_waits_total')).toEqual(['easel_model_quota_waits_total{task="text"} 1']);
    expect(await samples(metrics, 'easel_model_quota_wait_seconds_total')).toEqual(['easel_model_quota_wait_seconds_total{task="text"} 1.5']);
    expect(await samples(metrics, 'easel_model_budget_refusals_total')).toEqual(['easel_model_budget_refusals_total{task="text",scope="app"} 1']);
  });

  test('sandbox events are counted by plugin name, whatever the version; installs by source, outcome and code', async () => {
    const { bus, metrics } = setup();
    bus.publish({ type: 'sandbox.killed', pluginId: 'loops@1.0.0#abc', cause: 'timeout' });
    bus.publish({ type: 'sandbox.killed', pluginId: 'loops@1.1.0#def', cause: 'timeout' });
    bus.publish({ type: 'sandbox.killed', pluginId: 'loops@1.1.0#def', cause: 'memory' });
    bus.publish({ type: 'sandbox.worker-restarted', reason: 'memory-cap' });
    bus.publish({ type: 'sandbox.log-dropped', pluginId: 'chatty@2.0.0-beta.1#123', count: 7 });
    bus.publish({ type: 'sandbox.quarantine', change: 'started', pluginId: 'loops@1.1.0#def' });
    bus.publish({ type: 'sandbox.quarantine', change: 'lifted', pluginId: 'loops@1.1.0#def' });
    bus.publish({ type: 'plugin.install', source: 'upload', outcome: 'ok' });
    bus.publish({ type: 'plugin.install', source: 'registry', outcome: 'failed', errorCode: 'RESOLVE_CONFLICT' });
    expect(await samples(metrics, 'easel_sandbox_kills_total')).toEqual(['easel_sandbox_kills_total{plugin="loops",cause="timeout"} 2', 'easel_sandbox_kills_total{plugin="loops",cause="memory"} 1']);
    expect(await samples(metrics, 'easel_sandbox_worker_restarts_total')).toEqual(['easel_sandbox_worker_restarts_total{reason="memory-cap"} 1']);
    expect(await samples(metrics, 'easel_plugin_log_lines_dropped_total')).toEqual(['easel_plugin_log_lines_dropped_total{plugin="chatty"} 7']);
    expect(await samples(metrics, 'easel_plugin_quarantines_total')).toEqual(['easel_plugin_quarantines_total{plugin="loops"} 1']);
    expect(await samples(metrics, 'easel_plugin_installs_total')).toEqual([
      'easel_plugin_installs_total{source="upload",outcome="ok",code=""} 1',
      'easel_plugin_installs_total{source="registry",outcome="failed",code="RESOLVE_CONFLICT"} 1',
    ]);
  });

  test('at scrape time: isolates and their heap by plugin name from one round of stats per scrape, quarantines, slots and queue', async () => {
    const { metrics } = setup();
    let rounds = 0;
    let heap: Record<string, number> = { 'canvas@1.0.0#a': 1000, 'canvas@1.1.0#b': 500, 'story@2.0.0#c': 300 };
    const stats = async (): Promise<SandboxStats> => {
      rounds++;
      return { workers: 2, isolatesLive: Object.keys(heap).length, rssBytes: 4096, callsInFlight: 1, versionsDraining: 1, isolateHeapByPlugin: heap } as unknown as SandboxStats;
    };
    metrics.observe({ sandbox: { stats, quarantines: () => [] }, gate: { running: 3, queued: 5 }, keySlots: { inUse: 4 }, modelState: { cooling: async () => [{}, {}] } });
    expect(await samples(metrics, 'easel_sandbox_isolates_live')).toEqual(['easel_sandbox_isolates_live 3']);
    expect(rounds).toBe(1);
    expect(await samples(metrics, 'easel_sandbox_isolate_heap_bytes')).toEqual(['easel_sandbox_isolate_heap_bytes{plugin="canvas"} 1500', 'easel_sandbox_isolate_heap_bytes{plugin="story"} 300']);
    expect(rounds).toBe(2);
    // An isolate gone since the last scrape leaves no series behind.
    heap = { 'canvas@1.1.0#b': 700 };
    expect(await samples(metrics, 'easel_sandbox_isolate_heap_bytes')).toEqual(['easel_sandbox_isolate_heap_bytes{plugin="canvas"} 700']);
    expect(await samples(metrics, 'easel_sandbox_workers')).toEqual(['easel_sandbox_workers 2']);
    expect(await samples(metrics, 'easel_sandbox_worker_rss_bytes')).toEqual(['easel_sandbox_worker_rss_bytes 4096']);
    expect(await samples(metrics, 'easel_plugins_quarantined')).toEqual(['easel_plugins_quarantined 0']);
    expect(await samples(metrics, 'easel_execution_slots_in_use')).toEqual(['easel_execution_slots_in_use 3']);
    expect(await samples(metrics, 'easel_execution_queue_depth')).toEqual(['easel_execution_queue_depth 5']);
    expect(await samples(metrics, 'easel_key_execution_slots_in_use')).toEqual(['easel_key_execution_slots_in_use 4']);
    expect(await samples(metrics, 'easel_models_cooling')).toEqual(['easel_models_cooling 2']);
  });

  test('a sandbox whose stats fail answers no figures, and the rest of the scrape is served', async () => {
    const { metrics } = setup();
    metrics.observe({ sandbox: { stats: () => Promise.reject(new Error('worker gone')), quarantines: () => [] } });
    const { body } = await metrics.render();
    expect(body).toContain('# TYPE easel_sandbox_isolates_live gauge');
    expect(body).toContain('easel_plugins_quarantined 0');
  });

  test('HTTP answers are counted by route pattern, method and status; an unmatched URL under one fixed label', async () => {
    const { metrics } = setup();
    const app = Fastify();
    metrics.instrument(app);
    app.get('/v1/things/:id', async () => ({ ok: true }));
    for (const id of ['zq81x', 'zq82x', 'zq83x']) expect((await app.inject({ method: 'GET', url: `/v1/things/${id}` })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/things/zq81x' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/secret-probe-9f2' })).statusCode).toBe(404);
    expect(await samples(metrics, 'easel_http_requests_total')).toEqual([
      'easel_http_requests_total{route="/v1/things/:id",method="GET",status="200"} 3',
      'easel_http_requests_total{route="(unmatched)",method="POST",status="404"} 1',
      'easel_http_requests_total{route="(unmatched)",method="GET",status="404"} 1',
    ]);
    expect(await samples(metrics, 'easel_http_request_duration_seconds_count')).toContain('easel_http_request_duration_seconds_count{route="/v1/things/:id",method="GET",status="200"} 3');
    expect((await metrics.render()).body).not.toMatch(/zq8|secret-probe/);
    await app.close();
  });

  test('a plugin name from its sandbox id', () => {
    expect(pluginNameOf('canvas@1.2.0#0123456789ab')).toBe('canvas');
    expect(pluginNameOf('story@2.0.0-rc.1+build.5#ab')).toBe('story');
    expect(pluginNameOf('bare')).toBe('bare');
  });
});
