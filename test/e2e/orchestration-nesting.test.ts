/**
 * Nested steps under the tightest parallel-step limit: each calling handler takes turns on its
 * own slots, so a step waiting for the steps it calls never holds the slot they need. With one
 * slot per execution (the first design) this chain hung until its budget ran out.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startHost, type RunningHost } from '../helpers/host.ts';
import { appKey, executionOf, installFixtures, packFixtures, startWorkflow } from '../helpers/orchestration.ts';

let host: RunningHost;
let app: string;

beforeAll(async () => {
  host = await startHost({ orchestration: { maxParallelSteps: 1, maxDepth: 5 } });
  await installFixtures(host, await packFixtures(['orch-a', 'orch-b', 'orch-c']), ['orch-b', 'orch-c', 'orch-a']);
  app = await appKey(host, 'app');
});
afterAll(async () => {
  await host?.close();
});

test('a chain of four nested steps runs to its end with one parallel slot', async () => {
  const res = await startWorkflow(host, app, 'deep', { levels: 4 }, { wait: true });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.output).toEqual({ reached: 4 });
  const record = await executionOf(host, app, res.body.executionId);
  expect(record.steps.map((s: { capability: string; depth: number; status: string }) => [s.capability, s.depth, s.status])).toEqual([
    ['level-1', 1, 'succeeded'],
    ['level-2', 2, 'succeeded'],
    ['level-3', 3, 'succeeded'],
    ['level-4', 4, 'succeeded'],
  ]);
  // Each step's parent is the one above it.
  for (let i = 1; i < record.steps.length; i++) expect(record.steps[i].parentStepId).toBe(record.steps[i - 1].id);
});
