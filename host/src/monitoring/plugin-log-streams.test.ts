import { describe, expect, test } from 'vitest';
import { EaselError } from '../errors/index.ts';
import { EventBus } from '../events/index.ts';
import { PluginLogStreams, type PluginLogEvent } from './plugin-log-streams.ts';

function setup(maxStreams = 4) {
  const errors: object[] = [];
  const logger = { error: (obj: object) => void errors.push(obj) };
  const bus = new EventBus(logger);
  return { bus, streams: new PluginLogStreams(bus, { maxStreams, logger }), errors };
}

const line = (plugin: string, message: string) => ({ plugin, level: 'info' as const, message, executionId: 'e1' });

describe('PluginLogStreams', () => {
  test("hands a plugin's log lines and finished calls to its followers only, live", () => {
    const { bus, streams } = setup();
    streams.log(line('hello', 'before anyone follows'));
    const hello: PluginLogEvent[] = [];
    const other: PluginLogEvent[] = [];
    streams.follow('hello', (e) => hello.push(e));
    streams.follow('other', (e) => other.push(e));

    streams.log({ ...line('hello', 'greeting'), fields: { name: 'Ada' } });
    bus.publish({ type: 'agent.finished', executionId: 'e2', plugin: 'hello', version: '1.0.0', agent: 'greeter', capability: 'greet', status: 'failed', durationMs: 3, errorCode: 'PLUGIN_ERROR', errorMessage: 'boom' });
    bus.publish({ type: 'agent.finished', executionId: 'e3', stepId: 's1', caller: 'flows', plugin: 'hello', version: '1.0.0', agent: 'greeter', capability: 'greet', status: 'succeeded', durationMs: 1 });
    bus.publish({ type: 'workflow.finished', executionId: 'e4', plugin: 'other', version: '2.0.0', workflow: 'plan', status: 'succeeded', costUsd: 0, durationMs: 9 });

    expect(hello).toEqual([
      { type: 'log', data: { level: 'info', message: 'greeting', fields: { name: 'Ada' }, executionId: 'e1', time: expect.any(String) } },
      { type: 'call', data: { kind: 'agent', target: 'greeter/greet', version: '1.0.0', executionId: 'e2', outcome: 'failed', code: 'PLUGIN_ERROR', message: 'boom', durationMs: 3 } },
      { type: 'call', data: { kind: 'agent', target: 'greeter/greet', version: '1.0.0', executionId: 'e3', stepId: 's1', caller: 'flows', outcome: 'succeeded', durationMs: 1 } },
    ]);
    expect(other).toEqual([{ type: 'call', data: { kind: 'workflow', target: 'plan', version: '2.0.0', executionId: 'e4', outcome: 'succeeded', durationMs: 9 } }]);
  });

  test('caps the followers open at once; leaving (idempotent) frees a place', () => {
    const { streams } = setup(2);
    const leaveA = streams.follow('hello', () => {});
    streams.follow('hello', () => {});
    let refused: unknown;
    try {
      streams.follow('other', () => {});
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(EaselError);
    expect((refused as EaselError).code).toBe('LOG_STREAMS_BUSY');
    leaveA();
    leaveA();
    expect(streams.open).toBe(1);
    expect(() => streams.follow('other', () => {})).not.toThrow();
  });

  test('a follower that throws is logged; the others and the publisher carry on', () => {
    const { streams, errors } = setup();
    const seen: string[] = [];
    streams.follow('hello', () => {
      throw new Error('broken pipe');
    });
    streams.follow('hello', (e) => seen.push(e.type));
    expect(() => streams.log(line('hello', 'x'))).not.toThrow();
    expect(seen).toEqual(['log']);
    expect(errors).toHaveLength(1);
  });

  test('after close, bus events no longer reach followers', () => {
    const { bus, streams } = setup();
    const seen: PluginLogEvent[] = [];
    streams.follow('hello', (e) => seen.push(e));
    streams.close();
    bus.publish({ type: 'workflow.finished', executionId: 'e4', plugin: 'hello', version: '1.0.0', workflow: 'plan', status: 'succeeded', costUsd: 0, durationMs: 9 });
    expect(seen).toEqual([]);
  });
});
