import { describe, expect, expectTypeOf, test } from 'vitest';
import { EventBus, type HostEvent } from './event-bus.ts';

function recordingLogger() {
  const errors: { obj: Record<string, unknown>; msg?: string }[] = [];
  return { errors, logger: { error: (obj: object, msg?: string) => void errors.push({ obj: obj as Record<string, unknown>, msg }) } };
}

const registered: HostEvent = { type: 'plugin.registered', plugin: 'hello', version: '1.0.0' };
const finished: HostEvent = { type: 'workflow.finished', executionId: 'e1', plugin: 'hello', version: '1.0.0', workflow: 'flow', status: 'succeeded', costUsd: 0.5, durationMs: 12 };

describe('EventBus', () => {
  test('delivers an event synchronously to the listeners of its type only, in subscription order', () => {
    const bus = new EventBus(recordingLogger().logger);
    const seen: string[] = [];
    bus.on('plugin.registered', (e) => seen.push(`a:${e.plugin}@${e.version}`));
    bus.on('workflow.finished', (e) => seen.push(`w:${e.workflow}`));
    bus.on('plugin.registered', (e) => seen.push(`b:${e.plugin}`));
    bus.publish(registered);
    expect(seen).toEqual(['a:hello@1.0.0', 'b:hello']);
    bus.publish(finished);
    expect(seen).toEqual(['a:hello@1.0.0', 'b:hello', 'w:flow']);
  });

  test('publishing with no listener is a no-op', () => {
    expect(() => new EventBus(recordingLogger().logger).publish(registered)).not.toThrow();
  });

  test('unsubscribe stops delivery, is idempotent, and leaves other subscriptions of the same function', () => {
    const bus = new EventBus(recordingLogger().logger);
    let calls = 0;
    const listener = () => void calls++;
    const first = bus.on('plugin.registered', listener);
    bus.on('plugin.registered', listener);
    bus.publish(registered);
    expect(calls).toBe(2);
    first();
    first();
    bus.publish(registered);
    expect(calls).toBe(3);
  });

  test('a throwing listener is logged with the event type and neither reaches the publisher nor stops the others', () => {
    const { errors, logger } = recordingLogger();
    const bus = new EventBus(logger);
    const seen: string[] = [];
    const boom = new Error('listener bug');
    bus.on('plugin.registered', () => seen.push('before'));
    bus.on('plugin.registered', () => {
      throw boom;
    });
    bus.on('plugin.registered', () => seen.push('after'));
    expect(() => bus.publish(registered)).not.toThrow();
    expect(seen).toEqual(['before', 'after']);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.obj).toEqual({ err: boom, event: 'plugin.registered' });
  });

  test('an async listener that rejects is logged, not left as an unhandled rejection', async () => {
    const { errors, logger } = recordingLogger();
    const bus = new EventBus(logger);
    const boom = new Error('async listener bug');
    bus.on('workflow.finished', async () => {
      throw boom;
    });
    bus.publish(finished);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors.map((e) => e.obj)).toEqual([{ err: boom, event: 'workflow.finished' }]);
  });

  test('listeners subscribed or unsubscribed while publishing take effect from the next event', () => {
    const bus = new EventBus(recordingLogger().logger);
    const seen: string[] = [];
    let off = () => {};
    bus.on('plugin.registered', () => {
      seen.push('first');
      off();
      bus.on('plugin.registered', () => seen.push('late'));
    });
    off = bus.on('plugin.registered', () => seen.push('second'));
    bus.publish(registered);
    expect(seen).toEqual(['first', 'second']);
    seen.length = 0;
    bus.publish(registered);
    expect(seen).toEqual(['first', 'late']);
  });

  test('a listener sees the event narrowed to its type', () => {
    const bus = new EventBus(recordingLogger().logger);
    bus.on('plugin.unregistered', (e) => {
      expectTypeOf(e.reason).toEqualTypeOf<'disabled' | 'uninstalled' | 'replaced'>();
    });
    bus.on('agent.invoked', (e) => {
      expectTypeOf(e.caller).toEqualTypeOf<string | undefined>();
    });
    // @ts-expect-error not an event type
    bus.on('plugin.nope', () => {});
  });
});
