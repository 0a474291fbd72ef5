/**
 * The peer bench's targets (bench/peers) answer alike: each, started as the bench starts it,
 * answers the handler's own output for the same inputs, so the bench compares the same work.
 * No figure is checked here (benchmarks are never asserted in tests).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { handle, INPUT } from '../../bench/peers/handler.ts';
import { askOnce, TARGETS } from '../../bench/peers/targets.ts';

const INPUTS = [INPUT, { keyword: 'ünïcode ✓ "quoted"', style: 'dry', n: 10 }, { keyword: '', style: 'terse', n: 1 }];

let base: string;
beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'easel-peers-test-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe.each(TARGETS.map((t) => [t.id, t] as const))('bench peer %s', (id, target) => {
  test.skipIf(target.unavailable() !== undefined)('answers what the handler answers for the same input', async () => {
    const running = await target.start(await mkdtemp(join(base, `${id}-`)));
    try {
      for (const input of INPUTS) expect(await askOnce(running, input)).toEqual(handle(input));
    } finally {
      await running.server.stop();
    }
  });
});
