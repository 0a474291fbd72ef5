import { describe, expect, test } from 'vitest';
import { EaselError } from '../errors/index.ts';
import { ExecutionGate, type Release } from './gate.ts';

const never = () => new AbortController().signal;

/** Lets every settled promise's callbacks run. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Enters the gate and records, in order, which label got a slot, keeping each release so the
 * test frees slots one at a time.
 */
function harness(limits: { maxConcurrent: number; maxPerPlugin: number; maxQueued: number }) {
  const gate = new ExecutionGate(limits);
  const started: string[] = [];
  const releases = new Map<string, Release>();
  const failures = new Map<string, unknown>();
  const enter = async (plugin: string, label: string, signal = never()) => {
    const admission = await gate.enter(plugin, signal);
    admission.ready.then(
      (release) => {
        started.push(label);
        releases.set(label, release);
      },
      (err: unknown) => failures.set(label, err),
    );
    return admission;
  };
  const release = async (label: string) => {
    const free = releases.get(label);
    if (!free) throw new Error(`${label} holds no slot`);
    free();
    await tick();
  };
  return { gate, started, failures, enter, release };
}

describe('ExecutionGate admission', () => {
  test('admits up to maxConcurrent at once, the rest wait', async () => {
    const { gate, started, enter } = harness({ maxConcurrent: 2, maxPerPlugin: 10, maxQueued: 10 });
    expect(await enter('a', 'a1')).toMatchObject({ queued: false, position: 0 });
    expect(await enter('b', 'b1')).toMatchObject({ queued: false, position: 0 });
    expect(await enter('c', 'c1')).toMatchObject({ queued: true, position: 1 });
    expect(await enter('d', 'd1')).toMatchObject({ queued: true, position: 2 });
    await tick();
    expect(started).toEqual(['a1', 'b1']);
    expect(gate.queued).toBe(2);
  });

  test('admits up to maxPerPlugin of one plugin while other plugins still get slots', async () => {
    const { gate, started, enter, release } = harness({ maxConcurrent: 4, maxPerPlugin: 2, maxQueued: 10 });
    for (const label of ['x1', 'x2', 'x3']) enter('x', label);
    enter('y', 'y1');
    await tick();
    expect(started).toEqual(['x1', 'x2', 'y1']);
    expect(gate.queued).toBe(1);
    // A free host slot does not help x while it is at its own cap.
    await release('y1');
    expect(started).toEqual(['x1', 'x2', 'y1']);
    await release('x1');
    expect(started).toEqual(['x1', 'x2', 'y1', 'x3']);
    expect(gate.queued).toBe(0);
  });

  test('waiters of one plugin start in arrival order (FIFO), later arrivals behind them', async () => {
    const { started, enter, release } = harness({ maxConcurrent: 2, maxPerPlugin: 1, maxQueued: 10 });
    enter('x', 'x1');
    enter('x', 'x2');
    enter('x', 'x3');
    await tick();
    await release('x1');
    expect(started).toEqual(['x1', 'x2']);
    // x4 arrives while a host slot is free and x3 still waits: it goes behind x3.
    expect((await enter('x', 'x4')).queued).toBe(true);
    await release('x2');
    expect(started).toEqual(['x1', 'x2', 'x3']);
    await release('x3');
    expect(started).toEqual(['x1', 'x2', 'x3', 'x4']);
  });

  test('plugins with waiters take turns: one busy plugin does not starve another', async () => {
    const { started, enter, release } = harness({ maxConcurrent: 1, maxPerPlugin: 1, maxQueued: 10 });
    enter('x', 'x0');
    for (let i = 1; i <= 5; i++) enter('x', `x${i}`);
    enter('y', 'y1');
    enter('z', 'z1');
    await tick();
    for (const label of ['x0', 'x1', 'y1', 'z1', 'x2', 'x3', 'x4']) await release(label);
    // After x1, y and z each get a turn before x again, then x drains in order.
    expect(started).toEqual(['x0', 'x1', 'y1', 'z1', 'x2', 'x3', 'x4', 'x5']);
  });

  test('round robin with several host slots: the two plugins alternate as slots free', async () => {
    const { started, enter, release } = harness({ maxConcurrent: 2, maxPerPlugin: 2, maxQueued: 20 });
    enter('x', 'x0');
    enter('x', 'x1');
    for (let i = 2; i <= 5; i++) enter('x', `x${i}`);
    enter('y', 'y0');
    enter('y', 'y1');
    await tick();
    expect(started).toEqual(['x0', 'x1']);
    await release('x0');
    await release('x1');
    expect(started).toEqual(['x0', 'x1', 'x2', 'y0']);
    await release('x2');
    await release('y0');
    expect(started).toEqual(['x0', 'x1', 'x2', 'y0', 'x3', 'y1']);
  });
});

test('an execution cancelled before it asks is refused at once and takes no slot', async () => {
  const gate = new ExecutionGate({ maxConcurrent: 1, maxPerPlugin: 1, maxQueued: 10 });
  const controller = new AbortController();
  controller.abort();
  await expect(gate.enter('x', controller.signal)).rejects.toMatchObject({ code: 'EXECUTION_CANCELLED' });
  expect((await gate.enter('x', new AbortController().signal)).queued).toBe(false);
});

describe('ExecutionGate queue cap', () => {
  test('past maxQueued, enter rejects with EXECUTIONS_BUSY and enqueues nothing', async () => {
    const { gate, started, enter, release } = harness({ maxConcurrent: 1, maxPerPlugin: 1, maxQueued: 2 });
    enter('x', 'x1');
    enter('x', 'x2');
    enter('y', 'y1');
    expect(gate.queued).toBe(2);
    let thrown: unknown;
    try {
      await enter('z', 'z1');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EaselError);
    expect(thrown).toMatchObject({ code: 'EXECUTIONS_BUSY', details: { retryAfterMs: expect.any(Number) } });
    expect(gate.queued).toBe(2);
    // The refused call never runs, whatever frees up.
    await tick();
    await release('x1');
    await release('x2');
    await release('y1');
    expect(started).toEqual(['x1', 'x2', 'y1']);
    expect(gate.queued).toBe(0);
  });

  test('maxQueued 0: anything that would wait is refused; what can start still starts', async () => {
    const gate = new ExecutionGate({ maxConcurrent: 1, maxPerPlugin: 1, maxQueued: 0 });
    expect((await gate.enter('x', never())).queued).toBe(false);
    await expect(gate.enter('y', never())).rejects.toMatchObject({ code: 'EXECUTIONS_BUSY' });
  });

  test('`always` (a resumed execution) queues past the cap', async () => {
    const gate = new ExecutionGate({ maxConcurrent: 1, maxPerPlugin: 1, maxQueued: 0 });
    const first = await gate.enter('x', never());
    const resumed = await gate.enter('x', never(), true);
    expect(resumed.queued).toBe(true);
    expect(gate.queued).toBe(1);
    (await first.ready)();
    const release = await resumed.ready;
    expect(gate.queued).toBe(0);
    release();
  });
});

describe('ExecutionGate waiters that give up, and release', () => {
  test('an aborted waiter leaves the queue and rejects with EXECUTION_CANCELLED; the others keep their turn', async () => {
    const { gate, started, failures, enter, release } = harness({ maxConcurrent: 1, maxPerPlugin: 1, maxQueued: 2 });
    enter('x', 'x1');
    const abort = new AbortController();
    const gone = await enter('x', 'x2', abort.signal);
    enter('y', 'y1');
    expect(gate.queued).toBe(2);
    abort.abort();
    await expect(gone.ready).rejects.toMatchObject({ code: 'EXECUTION_CANCELLED' });
    expect(failures.get('x2')).toBeInstanceOf(EaselError);
    expect(gate.queued).toBe(1);
    // Its place is free again: a new waiter fits under the cap.
    enter('z', 'z1');
    await release('x1');
    await release('y1');
    expect(started).toEqual(['x1', 'y1', 'z1']);
  });

  test("the signal's own EaselError is the rejection when it carries one", async () => {
    const gate = new ExecutionGate({ maxConcurrent: 1, maxPerPlugin: 1, maxQueued: 5 });
    await gate.enter('x', never());
    const abort = new AbortController();
    const waiting = await gate.enter('x', abort.signal);
    abort.abort(new EaselError('HOST_RESTARTED', { reason: 'stopping' }));
    await expect(waiting.ready).rejects.toMatchObject({ code: 'HOST_RESTARTED' });
  });

  test('aborting after the slot was given changes nothing: the holder keeps it until release', async () => {
    const { gate, started, enter, release } = harness({ maxConcurrent: 1, maxPerPlugin: 1, maxQueued: 5 });
    enter('x', 'x1');
    const abort = new AbortController();
    enter('x', 'x2', abort.signal);
    enter('x', 'x3');
    await tick();
    await release('x1');
    expect(started).toEqual(['x1', 'x2']);
    abort.abort();
    await tick();
    expect(gate.queued).toBe(1);
    expect(started).toEqual(['x1', 'x2']);
    await release('x2');
    expect(started).toEqual(['x1', 'x2', 'x3']);
  });

  test('release is idempotent: a second call frees no second slot', async () => {
    const gate = new ExecutionGate({ maxConcurrent: 1, maxPerPlugin: 1, maxQueued: 5 });
    const release = await (await gate.enter('x', never())).ready;
    const second = await gate.enter('x', never());
    const third = await gate.enter('y', never());
    const order: string[] = [];
    void second.ready.then(() => order.push('second'));
    void third.ready.then(() => order.push('third'));
    release();
    release();
    release();
    await tick();
    expect(order).toEqual(['second']);
    expect(gate.queued).toBe(1);
  });

  test('released slots are reused: many executions pass through one slot in order', async () => {
    const gate = new ExecutionGate({ maxConcurrent: 1, maxPerPlugin: 1, maxQueued: 100 });
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const release = await (await gate.enter('x', never())).ready;
        order.push(i);
        await tick();
        release();
      }),
    );
    expect(order).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(gate.queued).toBe(0);
    // Nothing is left held: a new entry starts at once.
    expect((await gate.enter('x', never())).queued).toBe(false);
  });
});
