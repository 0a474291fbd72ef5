import { describe, expect, test } from 'vitest';
import { EventBus } from '../orchestration/event-bus.ts';
import { HostMetrics } from './metrics.ts';

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
});
