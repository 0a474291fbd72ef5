import { afterEach, describe, expect, test } from 'vitest';
import { CrashLedger } from './crash-ledger.ts';
import type { QuarantineEvent, QuarantineStrike } from './types.ts';

const strike = (at: number, reason = 'the worker passed its resident memory cap'): QuarantineStrike => ({ at, reason, evidence: { workerRssBytes: 2, capBytes: 1, chargedBytes: 1 }, bystanderCalls: 1 });

const ledgers: CrashLedger[] = [];
function ledger(limit: number, windowMs: number, liftMs = 0) {
  const events: QuarantineEvent[] = [];
  const l = new CrashLedger(limit, windowMs, liftMs, (e) => events.push(e));
  ledgers.push(l);
  return { l, events };
}
afterEach(() => {
  for (const l of ledgers.splice(0)) l.close();
});

describe('CrashLedger', () => {
  test('the limit-th strike within the window quarantines, with every strike kept as evidence', () => {
    const { l, events } = ledger(3, 1000);
    expect(l.strike('p', strike(0))).toBeUndefined();
    expect(l.strike('p', strike(100))).toBeUndefined();
    const q = l.strike('p', strike(200));
    expect(q).toMatchObject({ pluginId: 'p', since: 200, until: undefined, strikes: [strike(0), strike(100), strike(200)] });
    expect(l.quarantineOf('p')).toBe(q);
    expect(l.quarantineOf('other')).toBeUndefined();
    expect(events).toEqual([{ type: 'quarantined', quarantine: q, cause: 'crashes' }]);
  });

  test('strikes older than the window do not count', () => {
    const { l } = ledger(2, 1000);
    l.strike('p', strike(0));
    expect(l.strike('p', strike(1000))).toBeUndefined();
    expect(l.strike('p', strike(1500))).toMatchObject({ strikes: [strike(1000), strike(1500)] });
  });

  test('a quarantine lifts itself after liftMs, read late or by its timer, and the plugin starts again with no strikes', async () => {
    const { l, events } = ledger(1, 1000, 40);
    const at = Date.now();
    const q = l.strike('p', strike(at))!;
    expect(q.until).toBe(at + 40);
    // Read after its time: lifted there and then, even if the timer has not fired yet.
    expect(l.quarantineOf('p', at + 40)).toBeUndefined();
    expect(events.map((e) => [e.type, e.cause])).toEqual([['quarantined', 'crashes'], ['lifted', 'expired']]);
    const again = l.strike('p', strike(Date.now()))!;
    expect(again.strikes).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(l.list()).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'lifted', cause: 'expired', quarantine: again });
  });

  test('lift names its actor and is a no-op when there is nothing to lift; reset lifts as reloaded', () => {
    const { l, events } = ledger(1, 1000);
    l.strike('a', strike(0));
    l.strike('b', strike(0));
    expect(l.list().map((q) => q.pluginId)).toEqual(['a', 'b']);
    expect(l.lift('a', 'key:1')?.pluginId).toBe('a');
    expect(l.lift('a', 'key:1')).toBeUndefined();
    l.reset('b');
    l.reset('b');
    expect(l.list()).toEqual([]);
    expect(events.slice(2).map((e) => [e.type, e.cause, e.actor])).toEqual([
      ['lifted', 'lifted', 'key:1'],
      ['lifted', 'reloaded', undefined],
    ]);
  });

  test('strikes while quarantined change nothing; a listener that throws changes nothing either', () => {
    const l = new CrashLedger(1, 1000, 0, () => {
      throw new Error('listener down');
    });
    ledgers.push(l);
    const q = l.strike('p', strike(0))!;
    expect(l.strike('p', strike(1))).toBeUndefined();
    expect(l.quarantineOf('p')).toBe(q);
    expect(q.strikes).toHaveLength(1);
  });
});
