import { describe, expect, test } from 'vitest';
import { EaselError } from '../errors/index.ts';
import { cancelledBy } from '../errors/index.ts';
import { Slots } from './slots.ts';

const never = () => new AbortController().signal;
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Acquires for `label` and records when it got through (or why it did not). */
function acquirer(slots: Slots, order: string[], failures: Map<string, unknown>) {
  return (label: string, signal = never()) => {
    const got = slots.acquire(signal).then(
      () => void order.push(label),
      (err: unknown) => void failures.set(label, err),
    );
    return got;
  };
}

describe('Slots', () => {
  test('up to `size` acquire at once; the rest wait and go in call order (FIFO) as slots are released', async () => {
    const slots = new Slots(2);
    const order: string[] = [];
    const take = acquirer(slots, order, new Map());
    for (const label of ['a', 'b', 'c', 'd', 'e']) void take(label);
    await tick();
    expect(order).toEqual(['a', 'b']);
    slots.release();
    await tick();
    expect(order).toEqual(['a', 'b', 'c']);
    slots.release();
    slots.release();
    await tick();
    expect(order).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('a released slot goes to the oldest waiter, not to a newcomer', async () => {
    const slots = new Slots(1);
    const order: string[] = [];
    const take = acquirer(slots, order, new Map());
    void take('first');
    void take('waiting');
    await tick();
    slots.release();
    // Arrives right after the release, before the waiter's continuation ran.
    void take('newcomer');
    await tick();
    expect(order).toEqual(['first', 'waiting']);
    slots.release();
    await tick();
    expect(order).toEqual(['first', 'waiting', 'newcomer']);
  });

  test('a size below 1 (or fractional) still gives one slot', async () => {
    for (const size of [0, -3, 0.5]) {
      const slots = new Slots(size);
      const order: string[] = [];
      const take = acquirer(slots, order, new Map());
      void take('a');
      void take('b');
      await tick();
      expect(order).toEqual(['a']);
    }
    const fractional = new Slots(2.9);
    const order: string[] = [];
    const take = acquirer(fractional, order, new Map());
    for (const label of ['a', 'b', 'c']) void take(label);
    await tick();
    expect(order).toEqual(['a', 'b']);
  });

  test('a waiter whose signal fires leaves the queue, rejects EXECUTION_CANCELLED, and takes no slot', async () => {
    const slots = new Slots(1);
    const order: string[] = [];
    const failures = new Map<string, unknown>();
    const take = acquirer(slots, order, failures);
    void take('holder');
    const abort = new AbortController();
    void take('gives-up', abort.signal);
    void take('next');
    await tick();
    abort.abort();
    await tick();
    expect(failures.get('gives-up')).toBeInstanceOf(EaselError);
    expect(failures.get('gives-up')).toMatchObject({ code: 'EXECUTION_CANCELLED' });
    // The one release goes to the next waiter, not to the one that left.
    slots.release();
    await tick();
    expect(order).toEqual(['holder', 'next']);
    // And no slot leaked: next holds the only one.
    void take('last');
    await tick();
    expect(order).toEqual(['holder', 'next']);
    slots.release();
    await tick();
    expect(order).toEqual(['holder', 'next', 'last']);
  });

  test('an already aborted signal is refused at once, even with a free slot, and takes nothing', async () => {
    const slots = new Slots(1);
    const abort = new AbortController();
    abort.abort(new EaselError('HOST_RESTARTED', { reason: 'stopping' }));
    await expect(slots.acquire(abort.signal)).rejects.toMatchObject({ code: 'HOST_RESTARTED' });
    // The slot is still free.
    await expect(slots.acquire(never())).resolves.toBeUndefined();
  });

  test('aborting after the slot was handed over does not take it back or reject', async () => {
    const slots = new Slots(1);
    await slots.acquire(never());
    const abort = new AbortController();
    const waiting = slots.acquire(abort.signal);
    slots.release();
    await expect(waiting).resolves.toBeUndefined();
    abort.abort();
    const order: string[] = [];
    void acquirer(slots, order, new Map())('after');
    await tick();
    // The aborted holder still holds the slot until it releases it.
    expect(order).toEqual([]);
    slots.release();
    await tick();
    expect(order).toEqual(['after']);
  });
});

describe('cancelledBy', () => {
  test("is the signal's own EaselError, else EXECUTION_CANCELLED", () => {
    const own = new AbortController();
    own.abort(new EaselError('HOST_RESTARTED', { reason: 'stopping' }));
    expect(cancelledBy(own.signal)).toBe(own.signal.reason);
    const plain = new AbortController();
    plain.abort();
    expect(cancelledBy(plain.signal)).toMatchObject({ code: 'EXECUTION_CANCELLED' });
    expect(cancelledBy(plain.signal)).toBeInstanceOf(EaselError);
  });
});
