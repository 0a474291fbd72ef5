import { setImmediate as tick } from 'node:timers/promises';
import { expect } from 'vitest';
import { openStore } from '../store/index.ts';
import { test } from '../store/test-store.ts';
import { type ExecutionEvent, ExecutionEvents, type SubscribeOptions } from './execution-events.ts';

const logger = () => {
  const lines: { level: string; obj: unknown; msg?: string }[] = [];
  return {
    lines,
    warn: (obj: unknown, msg?: string) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj: unknown, msg?: string) => void lines.push({ level: 'error', obj, msg }),
  };
};

/** Subscribes and collects what arrives; `ended` settles on onEnd. */
function collect(events: ExecutionEvents, id: string, after = 0, options?: SubscribeOptions) {
  const got: ExecutionEvent[] = [];
  let unsubscribe = () => {};
  const ended = new Promise<ExecutionEvent[]>((resolve) => {
    unsubscribe = events.subscribe(id, after, (e) => got.push(e), () => resolve(got), options);
  });
  return { got, ended, unsubscribe, seqs: () => got.map((e) => e.seq) };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('events are numbered in publish order, delivered live and stored', async ({ store }) => {
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100, logger: logger() });
  await events.open('e1');
  const live = collect(events, 'e1');
  const first = events.publish('e1', 'execution.started', { executionId: 'e1' });
  expect(first).toMatchObject({ executionId: 'e1', seq: 1, type: 'execution.started', data: { executionId: 'e1' } });
  expect(Date.parse(first?.at ?? '')).not.toBeNaN();
  events.publish('e1', 'progress', { message: 'a' });
  events.publish('other', 'progress', {}); // not opened: held, does not disturb e1
  events.publish('e1', 'execution.finished', { status: 'succeeded' });

  expect((await live.ended).map((e) => [e.seq, e.type])).toEqual([[1, 'execution.started'], [2, 'progress'], [3, 'execution.finished']]);
  await events.flush('e1');
  const stored = await store.executionEvents.list('e1', 0, 10);
  expect(stored.map((r) => ({ seq: r.seq, type: r.type, data: JSON.parse(r.data), at: r.at }))).toEqual(live.got.map(({ executionId, ...e }) => e));
  // Written, released: the counter is gone, later publishes are ignored only while it is kept.
  await tick();
  expect(events.isOpen('e1')).toBe(false);
  expect(events.subscribers('e1')).toBe(0);
});

test('past maxEvents model.delta and progress are dropped and counted; other types are kept', async ({ store }) => {
  const log = logger();
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 3, logger: log });
  await events.open('e');
  events.publish('e', 'execution.started', {});
  events.publish('e', 'model.delta', { text: 'a' });
  events.publish('e', 'progress', { message: 'b' });
  expect(events.publish('e', 'model.delta', { text: 'c' })).toBeUndefined();
  expect(events.publish('e', 'progress', { message: 'd' })).toBeUndefined();
  expect(events.publish('e', 'step.finished', { stepId: 's' })?.seq).toBe(4);
  expect(events.publish('e', 'model.delta', { text: 'e' })).toBeUndefined();
  expect(events.dropped('e')).toBe(3);
  expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  expect(events.publish('e', 'execution.finished', { status: 'succeeded' })?.seq).toBe(5);
  await events.flush('e');
  expect((await store.executionEvents.list('e', 0, 10)).map((r) => r.type)).toEqual(['execution.started', 'model.delta', 'progress', 'step.finished', 'execution.finished']);
});

test('a subscriber that joins while events pour in gets each one once, in order', async ({ store }) => {
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100_000, logger: logger() });
  const total = 3000;
  await events.open('busy');
  const late: { from: number; sub: ReturnType<typeof collect> }[] = [];
  for (let i = 1; i < total; i++) {
    events.publish('busy', 'model.delta', { text: String(i) });
    // Join at several points: mid-batch, before a write, with a few stored already, with many.
    if ([1, 7, 499, 500, 501, 1234, 2999].includes(i)) {
      const after = i === 1234 ? 1000 : 0;
      late.push({ from: after + 1, sub: collect(events, 'busy', after) });
    }
    if (i % 97 === 0) await tick();
  }
  events.publish('busy', 'execution.finished', { status: 'succeeded' });
  for (const { from, sub } of late) {
    const got = await sub.ended;
    expect(got.map((e) => e.seq)).toEqual(range(from, total));
    expect(got.at(-2)?.data).toEqual({ text: String(total - 1) });
  }
  // Joining after the end replays it all from the store.
  expect((await collect(events, 'busy').ended).map((e) => e.seq)).toEqual(range(1, total));
});

test('afterSeq skips what the client has; a finished execution replays and ends', async ({ store }) => {
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100, logger: logger() });
  await events.open('e');
  for (let i = 1; i <= 5; i++) events.publish('e', 'progress', { i });
  const mid = collect(events, 'e', 3);
  await events.flush('e');
  await tick();
  expect(mid.seqs()).toEqual([4, 5]);
  events.publish('e', 'execution.finished', { status: 'failed', error: { code: 'PLUGIN_ERROR', message: 'x' } });
  expect((await mid.ended).map((e) => e.seq)).toEqual([4, 5, 6]);
  await events.flush();
  await tick();
  expect(events.isOpen('e')).toBe(false);

  expect((await collect(events, 'e', 2).ended).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
  // Everything already seen, the finished event included: ends with nothing to send.
  expect(await collect(events, 'e', 6).ended).toEqual([]);
  expect(await collect(events, 'e', 60).ended).toEqual([]);
});

test('publishing after execution.finished is ignored until the state is released', async ({ store }) => {
  const log = logger();
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100, logger: log });
  await events.open('e');
  events.publish('e', 'execution.finished', { status: 'succeeded' });
  expect(events.publish('e', 'progress', {})).toBeUndefined();
  await events.flush('e');
  expect(await store.executionEvents.count('e')).toBe(1);
  expect(log.lines.some((l) => l.msg?.includes('after execution.finished'))).toBe(true);
});

test('after a restart the seq continues and the history replays', async ({ file, store }) => {
  const before = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100, logger: logger() });
  await before.open('wf');
  before.publish('wf', 'execution.started', { resumed: 0 });
  before.publish('wf', 'step.started', { stepId: 's1' });
  await before.flush();
  await store.close();

  const reopened = await openStore(file);
  try {
    const after = new ExecutionEvents({ repo: reopened.executionEvents, maxEvents: 100, logger: logger() });
    const sub = collect(after, 'wf');
    await tick();
    expect(sub.seqs()).toEqual([1, 2]);
    await after.open('wf');
    expect(after.publish('wf', 'execution.started', { resumed: 1 })?.seq).toBe(3);
    after.publish('wf', 'execution.finished', { status: 'succeeded' });
    expect((await sub.ended).map((e) => [e.seq, e.data])).toEqual([
      [1, { resumed: 0 }],
      [2, { stepId: 's1' }],
      [3, { resumed: 1 }],
      [4, { status: 'succeeded' }],
    ]);
  } finally {
    await reopened.close();
  }
});

test('publishing without open holds the events until the stored seq is known', async ({ store }) => {
  await store.executionEvents.append([{ executionId: 'e', seq: 1, type: 'execution.started', data: '{}', at: new Date().toISOString() }]);
  const log = logger();
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100, logger: log });
  const sub = collect(events, 'e');
  expect(events.publish('e', 'progress', { n: 1 })).toBeUndefined();
  expect(events.publish('e', 'execution.finished', { status: 'succeeded' })).toBeUndefined();
  expect((await sub.ended).map((e) => [e.seq, e.type])).toEqual([[1, 'execution.started'], [2, 'progress'], [3, 'execution.finished']]);
  await events.flush('e');
  expect(await store.executionEvents.lastSeq('e')).toBe(3);
  expect(log.lines.filter((l) => l.msg?.includes('before open'))).toHaveLength(1);
});

test('unsubscribe stops delivery; a throwing listener is ended alone', async ({ store }) => {
  const log = logger();
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100, logger: log });
  await events.open('e');
  const quiet = collect(events, 'e');
  const good = collect(events, 'e');
  let badEnded = false;
  events.subscribe('e', 0, () => { throw new Error('listener bug'); }, () => { badEnded = true; });
  await tick();
  expect(events.subscribers('e')).toBe(3);
  events.publish('e', 'progress', { n: 1 });
  quiet.unsubscribe();
  events.publish('e', 'progress', { n: 2 });
  expect(quiet.seqs()).toEqual([1]);
  expect(good.seqs()).toEqual([1, 2]);
  expect(badEnded).toBe(true);
  expect(events.subscribers('e')).toBe(1);
  good.unsubscribe();
  expect(events.subscribers('e')).toBe(0);
  expect(log.lines.some((l) => l.level === 'error')).toBe(true);
});

test('a long history is replayed in pages paced by ready; endIfIdle ends a log without its finish', async ({ store }) => {
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 10_000, logger: logger() });
  await store.executionEvents.append(range(1, 1200).map((seq) => ({ executionId: 'old', seq, type: 'progress', data: '{}', at: new Date().toISOString() })));
  let readies = 0;
  let waits = 0;
  const ready = () => {
    readies++;
    // Every 100th event the reader is "full": nothing is delivered until it has drained.
    if (readies % 100 !== 0) return undefined;
    const delivered = paced.got.length;
    return tick().then(() => {
      expect(paced.got.length).toBe(delivered);
      waits++;
    });
  };
  const paced = collect(events, 'old', 0, { endIfIdle: true, ready });
  await tick();
  // Live events published during the replay come after the history, paced too.
  await events.open('old');
  for (let i = 0; i < 150; i++) events.publish('old', 'progress', { live: i });
  events.publish('old', 'execution.finished', { status: 'succeeded' });
  expect((await paced.ended).map((e) => e.seq)).toEqual(range(1, 1351));
  expect(readies).toBe(1351);
  expect(waits).toBe(13);

  await store.executionEvents.append([{ executionId: 'older', seq: 1, type: 'progress', data: '{}', at: new Date().toISOString() }]);
  expect((await collect(events, 'older', 0, { endIfIdle: true }).ended).map((e) => e.seq)).toEqual([1]);
  // Without endIfIdle it waits for the execution to go on.
  const waiting = collect(events, 'older');
  await tick();
  await tick();
  expect(waiting.seqs()).toEqual([1]);
  expect(events.subscribers('older')).toBe(1);
  waiting.unsubscribe();
  expect(events.subscribers('older')).toBe(0);
});

test('an event whose data cannot be stored is stored as a replacement that says why; the stream still ends with execution.finished', async ({ store }) => {
  const log = logger();
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100, logger: log });
  // SQLite's json_valid (the table's CHECK) refuses more than 1,000 levels; JSON.stringify overflows at a few thousand; BigInt is not JSON.
  const nested = (levels: number) => {
    let value: unknown = {};
    for (let i = 1; i < levels; i++) value = { a: value };
    return value;
  };
  await events.open('e');
  const live = collect(events, 'e');
  events.publish('e', 'progress', { message: 'deep', data: nested(1000) });
  events.publish('e', 'progress', { message: 'not JSON', data: 1n });
  events.publish('e', 'progress', { message: 'deeper', data: nested(10_000) });
  events.publish('e', 'execution.finished', { status: 'succeeded', output: nested(1000), error: { code: 'X', message: 'kept' }, costUsd: 0.5, durationMs: 7 });
  // Live subscribers had every event as published.
  expect((await live.ended).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  await events.flush('e');

  const replayed = await collect(events, 'e').ended;
  expect(replayed.map((e) => [e.seq, e.type])).toEqual([[1, 'progress'], [2, 'progress'], [3, 'progress'], [4, 'execution.finished']]);
  expect(replayed[0]?.data).toEqual({ message: 'deep', omitted: { fields: ['data'], reason: expect.stringContaining('the store refused') } });
  expect(replayed[1]?.data).toEqual({ message: 'not JSON', omitted: { fields: ['data'], reason: expect.stringContaining('not JSON') } });
  expect(replayed[2]?.data).toEqual({ message: 'deeper', omitted: { fields: ['data'], reason: expect.stringContaining('not JSON') } });
  expect(replayed[3]?.data).toEqual({ status: 'succeeded', error: { code: 'X', message: 'kept' }, costUsd: 0.5, durationMs: 7, omitted: { fields: ['output'], reason: expect.stringContaining('the store refused') } });
  // And each was logged.
  expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(4);
});

/** A deferred log's replay source: what the record would say, counted. */
function recordSays(id: string) {
  const calls: string[] = [];
  const recorded = async (executionId: string): Promise<ExecutionEvent[]> => {
    calls.push(executionId);
    if (executionId !== id) return [];
    const at = new Date().toISOString();
    return [
      { executionId, seq: 1, type: 'execution.started', data: { from: 'record' }, at },
      { executionId, seq: 2, type: 'execution.finished', data: { status: 'succeeded', from: 'record' }, at },
    ];
  };
  return { calls, recorded };
}

test('a deferred log of only its start and end writes nothing; its replay comes from the record', async ({ store }) => {
  const says = recordSays('a');
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100, logger: logger(), recorded: says.recorded });
  await events.open('a', { fresh: true, deferred: true });
  expect(events.publish('a', 'execution.started', { n: 1 })?.seq).toBe(1);
  expect(events.publish('a', 'execution.finished', { status: 'succeeded' })?.seq).toBe(2);
  await events.flush();
  await tick();
  expect(await store.executionEvents.count('a')).toBe(0);
  expect(events.isOpen('a')).toBe(false);
  // A wait in the queue that nobody followed is not written either.
  await events.open('q', { fresh: true, deferred: true });
  events.publish('q', 'execution.queued', { position: 3 });
  events.publish('q', 'execution.started', {});
  expect(events.publish('q', 'execution.finished', { status: 'succeeded' })?.seq).toBe(3);
  await events.flush();
  expect(await store.executionEvents.count('q')).toBe(0);

  const replayed = await collect(events, 'a').ended;
  expect(replayed.map((e) => [e.seq, e.type, (e.data as { from?: string }).from])).toEqual([[1, 'execution.started', 'record'], [2, 'execution.finished', 'record']]);
  expect((await collect(events, 'a', 1).ended).map((e) => e.seq)).toEqual([2]);
  expect(await collect(events, 'a', 2).ended).toEqual([]);
  // A stored log is never mixed with the record's version.
  await store.executionEvents.append([{ executionId: 'b', seq: 1, type: 'execution.finished', data: '{"status":"failed"}', at: new Date().toISOString() }]);
  expect((await collect(events, 'b').ended).map((e) => e.data)).toEqual([{ status: 'failed' }]);
  expect(says.calls).toEqual(['a', 'a', 'a']);
});

test('a deferred log is written, held events first, once it holds more than the record or someone subscribes', async ({ store }) => {
  const says = recordSays('none');
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100, logger: logger(), recorded: says.recorded });
  // Another event type: everything from seq 1 is stored, in order.
  await events.open('step', { fresh: true, deferred: true });
  events.publish('step', 'execution.started', {});
  await events.flush('step');
  expect(await store.executionEvents.count('step')).toBe(0);
  events.publish('step', 'step.started', { stepId: 's' });
  events.publish('step', 'execution.finished', { status: 'succeeded' });
  await events.flush('step');
  expect((await store.executionEvents.list('step', 0, 10)).map((r) => [r.seq, r.type])).toEqual([[1, 'execution.started'], [2, 'step.started'], [3, 'execution.finished']]);

  // A live subscriber: it gets the held start from the store, the rest live, and all of it is stored.
  await events.open('live', { fresh: true, deferred: true });
  events.publish('live', 'execution.started', {});
  const sub = collect(events, 'live');
  await tick();
  events.publish('live', 'execution.finished', { status: 'failed' });
  expect((await sub.ended).map((e) => e.seq)).toEqual([1, 2]);
  await events.flush('live');
  expect(await store.executionEvents.count('live')).toBe(2);
  expect(says.calls).toEqual([]);
});

test("following another host's execution: a later event stored before an earlier one waits for it, never skips it", async ({ store }) => {
  // Another host writes the log (straight to the store); this one only follows it.
  const events = new ExecutionEvents({ repo: store.executionEvents, maxEvents: 100, logger: logger(), tailMs: 20 });
  const stored = (seq: number, type = 'progress', data: unknown = { n: seq }) => ({ executionId: 'far', seq, type, data: JSON.stringify(data), at: new Date().toISOString() });
  await store.executionEvents.append([stored(1, 'execution.started'), stored(2)]);
  // 4 committed before 3 (two connections of the other host).
  await store.executionEvents.append([stored(4)]);
  const follower = collect(events, 'far');
  const until = async (n: number) => {
    for (let i = 0; i < 300 && follower.got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await until(2);
  await new Promise((r) => setTimeout(r, 100));
  expect(follower.seqs()).toEqual([1, 2]);
  await store.executionEvents.append([stored(3)]);
  await until(4);
  expect(follower.seqs()).toEqual([1, 2, 3, 4]);
  await store.executionEvents.append([stored(5, 'execution.finished', { status: 'succeeded' })]);
  expect((await follower.ended).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
});
