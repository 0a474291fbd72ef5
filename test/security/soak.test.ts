/**
 * The soak (bench/soak, `npm run soak`) for 60 seconds, as a child process: a real host and its
 * sandbox workers under mixed traffic — apps calling agents and workflows, following event
 * streams and cancelling, a hostile tenant attacking through its plugin and the HTTP parser,
 * an admin changing config and uploading bundles. Asserts that nothing but the expected limits
 * came back, that no plugin was quarantined and no worker died, and that host and worker RSS
 * stayed within the soak's bound of what they were after warm-up. Latency is printed by the
 * soak, never asserted here.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { REPO } from '../helpers/pack.ts';

const run = promisify(execFile);

/**
 * Kinds left out of this run for a known bug the full soak (`npm run soak`) still shows: none
 * now. (hostile.hang was, until a never-settling handler whose promise V8 collected stopped
 * being answered PLUGIN_ERROR instead of EXECUTION_TIMEOUT.)
 */
const SKIPPED: string[] = [];

test('60 seconds of mixed and hostile traffic: only limits come back, nothing is quarantined, memory stays flat', async () => {
  const result = await run(process.execPath, ['--no-node-snapshot', join(REPO, 'bench/soak/main.ts'), '--seconds', '60', ...(SKIPPED.length > 0 ? ['--skip', SKIPPED.join(',')] : [])], {
    cwd: REPO,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 900_000,
  }).catch((err: { code?: number; stdout?: string; stderr?: string }) => err);
  const line = (result.stdout ?? '').trim().split('\n').at(-1) ?? '';
  expect(line.startsWith('{'), `the soak printed no report:\n${result.stderr ?? ''}`).toBe(true);
  const report = JSON.parse(line);

  // Every lane ran, and the hostile one met its limits.
  expect(report.ok).toBeGreaterThan(0);
  expect(Object.keys(report.latencyMs).some((k: string) => k.startsWith('admin.'))).toBe(true);
  expect(Object.keys(report.latencyMs).some((k: string) => k.startsWith('hostile.'))).toBe(true);
  expect(Object.values(report.limits as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);

  expect(report.unexpected, JSON.stringify(report.unexpectedSamples, null, 2)).toEqual({});
  expect(report.quarantined).toEqual([]);
  expect(report.sandbox.restarts).toBe(0);
  // The host's own count agrees: no worker replaced, for any reason; and its gauge of live isolates was read.
  expect(report.sandbox.restartsByReason).toEqual({});
  expect(report.isolatesAlive.end).toBeGreaterThan(0);
  expect(report.hostLog.error, JSON.stringify(report.hostLog.errorSamples)).toEqual({});
  expect(report.rssMb.host.ratio, JSON.stringify(report.rssMb)).toBeLessThanOrEqual(report.rssMb.bound);
  expect(report.rssMb.workers.ratio, JSON.stringify(report.rssMb)).toBeLessThanOrEqual(report.rssMb.bound);
  expect(report.pass, report.failures.join('; ')).toBe(true);
  expect('code' in result ? result.code : 0).toBe(0);
}, 900_000);
