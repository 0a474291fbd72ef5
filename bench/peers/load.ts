/**
 * The load generator, always in a process of its own (never in the process it measures):
 * `runLoad()` starts this file as a child, which drives autocannon's API against the target and
 * prints one JSON line of figures. autocannon's own histogram keeps whole milliseconds, too
 * coarse for sub-millisecond targets at one connection, so this records each 2xx response's time
 * (from autocannon's `response` event) and takes percentiles from those.
 *
 *   ./run node --no-node-snapshot bench/peers/load.ts '{"url":"http://127.0.0.1:8080/agent","connections":10,"seconds":8,"body":"{}"}'
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  body: string;
  headers?: Record<string, string>;
}

export interface LoadResult {
  connections: number;
  seconds: number;
  /** 2xx responses a second. */
  rps: number;
  /** Latency of 2xx responses, ms. */
  p50: number;
  p99: number;
  ok: number;
  /** Responses other than 2xx, connection errors and timeouts: a target with any is misbehaving. */
  failed: number;
}

const run = promisify(execFile);

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { stdout } = await run(process.execPath, ['--no-node-snapshot', import.meta.filename, JSON.stringify(options)], { maxBuffer: 1024 * 1024 });
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as LoadResult;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number) * 1000) / 1000;
}

async function main(options: LoadOptions): Promise<void> {
  let times = new Float64Array(1 << 16);
  let count = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        method: 'POST',
        connections: options.connections,
        duration: options.seconds,
        body: options.body,
        headers: { 'content-type': 'application/json', ...options.headers },
      },
      (err: Error | null, res: autocannon.Result) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status < 200 || status > 299) return;
      if (count === times.length) {
        const grown = new Float64Array(times.length * 2);
        grown.set(times);
        times = grown;
      }
      times[count++] = ms;
    });
  });
  const sorted = times.subarray(0, count).sort();
  const out: LoadResult = {
    connections: options.connections,
    seconds: result.duration,
    rps: Math.round(result['2xx'] / result.duration),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    ok: result['2xx'],
    failed: result.non2xx + result.errors + result.timeouts,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (process.argv[1] === import.meta.filename) await main(JSON.parse(process.argv[2] as string) as LoadOptions);
