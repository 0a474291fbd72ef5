/**
 * Bytes across the sandbox bridge: a plugin hands the host N bytes and gets them back, as
 * the byte path does it (ctx.storage.put / get: a copy into a fresh buffer, raw frame
 * attachments) against the way it was done before, measured in the same run: the same
 * bytes as base64 text inside the JSON arguments and answer (ctx.kv.set / get with an
 * in-isolate encoder), through the same real supervisor and worker process. Prints one
 * JSON line with the time per round trip and the ratio base64 / bytes for each size.
 *
 *   ./run node --no-node-snapshot bench/bridge-bytes.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WithBytes, type BridgeCaller } from '../host/src/sandbox/index.ts';
import { benchPlugin, benchSandbox } from './sandbox-kit.ts';

const SIZES = [64 * 1024, 1024 * 1024, 4 * 1024 * 1024];
const ROUNDS = 20;
const MiB = 1024 * 1024;

// Both capabilities fill n bytes, send them to the host and read them back.
const SCRIPT = `var __easelPlugin = (() => {
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const encode = (b) => { let s = ''; for (let i = 0; i < b.length; i += 3) { const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0); s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < b.length ? B64[n & 63] : '='); } return s; };
  const IDX = {}; for (let i = 0; i < 64; i++) IDX[B64[i]] = i;
  const decode = (s) => { const out = new Uint8Array((s.length * 3 >> 2) - (s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0)); let o = 0; for (let i = 0; i < s.length; i += 4) { const n = (IDX[s[i]] << 18) | (IDX[s[i + 1]] << 12) | ((IDX[s[i + 2]] ?? 0) << 6) | (IDX[s[i + 3]] ?? 0); if (o < out.length) out[o++] = n >> 16 & 255; if (o < out.length) out[o++] = n >> 8 & 255; if (o < out.length) out[o++] = n & 255; } return out; };
  const fill = (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = i * 31; return b; };
  return { default: { agents: { bench: { capabilities: {
    bytes: async (input, ctx) => { await ctx.storage.put('k', fill(input.n), 'application/octet-stream'); return { n: (await ctx.storage.get('k')).length }; },
    base64: async (input, ctx) => { await ctx.kv.set('k', encode(fill(input.n))); return { n: decode(await ctx.kv.get('k')).length }; },
  } } } } };
})();`;

const dir = mkdtempSync(join(tmpdir(), 'easel-bench-bytes-'));
const plugin = benchPlugin(dir, SCRIPT, { memoryMb: 256, cpuMs: 60_000, wallMs: 120_000 });

// The host side keeps one value per capability, as a store would.
let kept: unknown;
let keptBytes: Buffer | undefined;
const bridge = async (_caller: BridgeCaller, capability: string, op: string, args: unknown, bytes?: Buffer): Promise<unknown> => {
  if (capability === 'storage' && op === 'put') return void (keptBytes = Buffer.from(bytes!));
  if (capability === 'storage' && op === 'get') return new WithBytes({}, [keptBytes!]);
  if (capability === 'kv' && op === 'set') return void (kept = (args as { value: unknown }).value);
  if (capability === 'kv' && op === 'get') return kept;
  return undefined;
};

const sandbox = await benchSandbox({
  bridge,
  // Large enough for the base64 way at the biggest size: 4 MiB is 5.6 MB of base64 text.
  maxPayloadBytes: 16 * MiB,
  maxBinaryBytes: 16 * MiB,
  maxPendingBridgeCalls: 8,
  // The base64 way keeps its text in kv: past the host's default kv value limit at every size measured.
  guestLimits: { maxKvValueBytes: 16 * MiB },
  cacheDir: join(dir, 'cache'),
});

async function perCall(capability: 'bytes' | 'base64', n: number): Promise<number> {
  const one = async (i: number) => {
    const out = await sandbox.invoke({ plugin, kind: 'agent', target: 'bench', capability, input: { n }, config: {}, executionId: `bench-${capability}-${i}` });
    if ((out.output as { n: number }).n !== n) throw new Error(`${capability} lost bytes`);
  };
  await one(-1);
  const start = performance.now();
  for (let i = 0; i < ROUNDS; i++) await one(i);
  return (performance.now() - start) / ROUNDS;
}

try {
  await sandbox.load(plugin, { agents: { bench: ['bytes', 'base64'] }, workflows: [] });
  const results = [];
  for (const n of SIZES) {
    const bytesMs = await perCall('bytes', n);
    const base64Ms = await perCall('base64', n);
    results.push({ bytes: n, bytesPathMs: Math.round(bytesMs * 100) / 100, base64PathMs: Math.round(base64Ms * 100) / 100, base64OverBytes: Math.round((base64Ms / bytesMs) * 10) / 10 });
  }
  console.log(JSON.stringify({ bench: 'bridge-bytes', rounds: ROUNDS, node: process.version, results }));
} finally {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
}
