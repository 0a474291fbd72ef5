/**
 * Sandbox throughput: invoke() through the real supervisor and worker process, sequential
 * and pipelined, against the raw in-isolate cost of the same handler (PluginIsolate.dispatch
 * in this process) measured in the same run. Prints one JSON line.
 *
 *   ./run node --no-node-snapshot bench/sandbox-throughput.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeCache } from '../host/src/sandbox/code-cache.ts';
import { benchIsolate, benchPlugin, benchSandbox } from './sandbox-kit.ts';

const SEQUENTIAL = 3_000;
const PIPELINED = 20_000;
const IN_FLIGHT = 64;
const RAW = 20_000;

// The shape `easel pack` produces, written directly: one trivial agent capability.
const SCRIPT = 'var __easelPlugin = (() => ({ default: { agents: { bench: { capabilities: { noop: (input) => ({ n: input.n }) } } } } }))();';

const dir = mkdtempSync(join(tmpdir(), 'easel-bench-'));
const plugin = benchPlugin(dir, SCRIPT, { memoryMb: 64, cpuMs: 5000, wallMs: 10_000 });

function figures(calls: number, ms: number) {
  return { calls, opsPerSec: Math.round((calls / ms) * 1000), meanUs: Math.round((ms / calls) * 1000 * 10) / 10 };
}

async function pipelined(total: number, inFlight: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) await one(next++);
    }),
  );
  return performance.now() - start;
}

async function sequential(total: number, one: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < total; i++) await one(i);
  return performance.now() - start;
}

async function viaSandbox() {
  const sandbox = await benchSandbox({ cacheDir: join(dir, 'cache') });
  const one = (i: number) => sandbox.invoke({ plugin, kind: 'agent', target: 'bench', capability: 'noop', input: { n: i }, config: {}, executionId: `bench-${i}` });
  await sandbox.load(plugin, { agents: { bench: ['noop'] }, workflows: [] });
  await sequential(300, one);
  const seq = figures(SEQUENTIAL, await sequential(SEQUENTIAL, one));
  const pipe = figures(PIPELINED, await pipelined(PIPELINED, IN_FLIGHT, one));
  await sandbox.close();
  return { seq, pipe };
}

async function rawDispatch() {
  const iso = await benchIsolate(plugin, SCRIPT, {
    cpuMs: 5000,
    cache: new CodeCache(join(dir, 'raw-cache'), randomBytes(32), () => undefined),
    bridge: async () => '{"ok":true}',
  });
  const meta = '{"executionId":"bench","plugin":{"name":"bench","version":"1.0.0"},"config":{}}';
  const one = (i: number) => iso.dispatch([`call-${i}`, 'agent', 'bench', 'noop', `{"n":${i}}`, meta], [], 5000);
  await sequential(300, one);
  const seq = figures(RAW, await sequential(RAW, one));
  const pipe = figures(RAW, await pipelined(RAW, IN_FLIGHT, one));
  iso.dispose();
  return { seq, pipe };
}

try {
  const raw = await rawDispatch();
  const sandbox = await viaSandbox();
  const ivmVersion = (createRequire(import.meta.url)('isolated-vm/package.json') as { version: string }).version;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'sandbox-throughput',
      node: process.version,
      isolatedVm: ivmVersion,
      workers: 1,
      inFlight: IN_FLIGHT,
      invokeSequential: sandbox.seq,
      invokePipelined: sandbox.pipe,
      rawDispatchSequential: raw.seq,
      rawDispatchPipelined: raw.pipe,
      ratios: {
        sequentialInvokeVsRaw: Math.round((raw.seq.opsPerSec / sandbox.seq.opsPerSec) * 100) / 100,
        pipelinedInvokeVsRaw: Math.round((raw.pipe.opsPerSec / sandbox.pipe.opsPerSec) * 100) / 100,
        pipelinedVsSequentialInvoke: Math.round((sandbox.pipe.opsPerSec / sandbox.seq.opsPerSec) * 100) / 100,
      },
      overheadUsPerSequentialCall: Math.round((sandbox.seq.meanUs - raw.seq.meanUs) * 10) / 10,
    })}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
