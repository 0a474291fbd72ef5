import { describe, expect } from 'vitest';
import { EventBus } from '../events/index.ts';
import type { AuditRepository, NewAuditEntry } from '../store/index.ts';
import { test } from '../store/test-store.ts';
import { AuditSubscriber } from './audit-subscriber.ts';

function recordingLogger() {
  const errors: Record<string, unknown>[] = [];
  return { errors, logger: { error: (obj: object) => void errors.push(obj as Record<string, unknown>) } };
}

const invoked = { type: 'agent.invoked', executionId: 'e1', plugin: 'canvas', version: '1.2.0', agent: 'painter', capability: 'paint' } as const;
const finished = { type: 'workflow.finished', executionId: 'e2', plugin: 'story', version: '1.0.0', workflow: 'tell', costUsd: 0.25, durationMs: 1200 } as const;

describe('AuditSubscriber', () => {
  test('a cross-plugin agent call is audited; an app call and a call within one plugin are not', async ({ store }) => {
    const bus = new EventBus(recordingLogger().logger);
    const subscriber = new AuditSubscriber(bus, store.audit, recordingLogger().logger);
    bus.publish(invoked);
    bus.publish({ ...invoked, caller: 'canvas', stepId: 's0' });
    bus.publish({ ...invoked, caller: 'story', stepId: 's1' });
    await subscriber.idle();
    const rows = await store.audit.list({ limit: 10 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'plugin:story',
      action: 'agents.invoke',
      target: 'canvas/painter.paint',
      outcome: 'ok',
      details: { executionId: 'e1', stepId: 's1', version: '1.2.0' },
    });
  });

  test('a finished workflow is audited: ok when it succeeded, failed when it failed or was cancelled', async ({ store }) => {
    const bus = new EventBus(recordingLogger().logger);
    const subscriber = new AuditSubscriber(bus, store.audit, recordingLogger().logger);
    bus.publish({ ...finished, status: 'succeeded' });
    bus.publish({ ...finished, executionId: 'e3', status: 'failed', errorCode: 'PLUGIN_ERROR' });
    bus.publish({ ...finished, executionId: 'e4', status: 'cancelled', errorCode: 'EXECUTION_CANCELLED' });
    await subscriber.idle();
    const rows = (await store.audit.list({ limit: 10, action: 'workflow.finished' })).reverse();
    expect(rows.map((r) => [r.actor, r.target, r.outcome])).toEqual([
      ['plugin:story@1.0.0', 'e2', 'ok'],
      ['plugin:story@1.0.0', 'e3', 'failed'],
      ['plugin:story@1.0.0', 'e4', 'failed'],
    ]);
    expect(rows[0]?.details).toEqual({ plugin: 'story', version: '1.0.0', workflow: 'tell', status: 'succeeded', costUsd: 0.25, durationMs: 1200 });
    expect(rows[1]?.details).toMatchObject({ status: 'failed', errorCode: 'PLUGIN_ERROR' });
  });

  test('rows are written in event order even when a write is slow', async ({ store }) => {
    let first = true;
    const slow: AuditRepository = {
      list: (query) => store.audit.list(query),
      purge: (before, limit) => store.audit.purge(before, limit),
      async record(entry: NewAuditEntry) {
        if (first) {
          first = false;
          await new Promise((resolve) => setTimeout(resolve, 30));
        }
        return store.audit.record(entry);
      },
    };
    const bus = new EventBus(recordingLogger().logger);
    const subscriber = new AuditSubscriber(bus, slow, recordingLogger().logger);
    for (const id of ['a', 'b', 'c']) bus.publish({ ...finished, executionId: id, status: 'succeeded' });
    await subscriber.idle();
    expect((await store.audit.list({ limit: 10 })).map((r) => r.target).reverse()).toEqual(['a', 'b', 'c']);
  });

  test('a failed write is logged, reaches neither the publisher nor the bus log, and later writes go on', async ({ store }) => {
    let calls = 0;
    const flaky: AuditRepository = {
      list: (query) => store.audit.list(query),
      purge: (before, limit) => store.audit.purge(before, limit),
      async record(entry: NewAuditEntry) {
        if (calls++ === 0) throw new Error('disk full');
        return store.audit.record(entry);
      },
    };
    const busLog = recordingLogger();
    const log = recordingLogger();
    const bus = new EventBus(busLog.logger);
    const subscriber = new AuditSubscriber(bus, flaky, log.logger);
    expect(() => bus.publish({ ...finished, executionId: 'lost', status: 'failed' })).not.toThrow();
    bus.publish({ ...finished, executionId: 'kept', status: 'succeeded' });
    await subscriber.idle();
    expect((await store.audit.list({ limit: 10 })).map((r) => r.target)).toEqual(['kept']);
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]).toMatchObject({ action: 'workflow.finished', target: 'lost' });
    expect((log.errors[0]?.err as Error).message).toBe('disk full');
    expect(busLog.errors).toEqual([]);
  });

  test('close stops auditing', async ({ store }) => {
    const bus = new EventBus(recordingLogger().logger);
    const subscriber = new AuditSubscriber(bus, store.audit, recordingLogger().logger);
    subscriber.close();
    bus.publish({ ...finished, status: 'succeeded' });
    await subscriber.idle();
    expect(await store.audit.list({ limit: 10 })).toEqual([]);
  });
});
