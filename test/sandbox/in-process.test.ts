/**
 * What the in-process mode gives up, shown in processes of their own: an isolate V8 cannot stop
 * ends the host (there is no worker to end instead), and a host started without
 * `--no-node-snapshot` refuses the mode instead of crashing at its first isolate.
 * The suites of what plugin code may do run in both modes (happy-path, hostile, limits, cancel).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { fixture, installSentinels, tempDir } from './helpers.ts';

installSentinels();

const HOST = resolve(import.meta.dirname, 'in-process-host.ts');

async function runHost(flags: string[], capability: string): Promise<{ lines: Record<string, unknown>[]; code: number | null; signal: string | null }> {
  const limits = await fixture('sandbox-limits', { cpuMs: 5000, wallMs: 5000, memoryMb: 32 });
  const child = spawn(process.execPath, [...flags, HOST, JSON.stringify(limits), tempDir('in-process'), capability], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('exit', (c, s) => r([c, s])));
  return { lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l)), code, signal };
}

test('an allocation V8 cannot interrupt ends the whole host in in-process mode, after naming the plugin (isolated-vm #107)', async () => {
  const { lines, signal } = await runHost(['--no-node-snapshot'], 'runaway-bomb');
  expect(lines).toContainEqual({ loaded: true });
  // The call failed first, as in a worker process; then the process ended rather than leave a thread allocating.
  expect(lines).toContainEqual({ result: expect.objectContaining({ code: 'EXECUTION_MEMORY' }) });
  const fatal = lines.find((l) => l.msg === 'sandbox worker is ending itself');
  expect(fatal?.obj).toMatchObject({ plugin: 'sandbox-limits@1.0.0', reason: 'an isolate kept running after it was disposed' });
  expect(lines).not.toContainEqual({ survived: true });
  expect(signal).toBe('SIGKILL');
}, 30_000);

test('a host without --no-node-snapshot refuses in-process mode with SANDBOX_UNAVAILABLE', async () => {
  const { lines, code } = await runHost([], 'echo');
  expect(lines).toEqual([{ failed: { code: 'SANDBOX_UNAVAILABLE', message: expect.stringContaining('--no-node-snapshot') } }]);
  expect(code).toBe(0);
}, 30_000);
