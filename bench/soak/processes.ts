/**
 * The processes the soak measures and the one it leans on, each a real child of the load
 * generator: the host (`host/src/main.ts`, as operators start it) and the Bedrock emulator (its
 * own CLI, so the host's resident memory is the host's alone). Both log to pipes read for their
 * whole life; the host's pino lines of level warn and above are counted by message.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:http2';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const REPO = join(import.meta.dirname, '../..');

/** What a child wrote, last lines only (for the report when it dies). */
const KEEP_LINES = 200;

export interface Child {
  pid: number;
  /** The last lines of output. */
  tail(): string[];
  /** Resolves with the exit code or signal once it has ended. */
  exited: Promise<string>;
  alive(): boolean;
  stop(): Promise<void>;
}

function watch(child: ChildProcess, onLine: (line: string) => void): Child {
  const lines: string[] = [];
  const keep = (line: string): void => {
    lines.push(line);
    if (lines.length > KEEP_LINES) lines.shift();
    onLine(line);
  };
  // Read both pipes for the child's whole life: a full pipe would block its writes.
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', keep);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid as number,
    tail: () => [...lines],
    exited,
    alive,
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves with the first match of `pattern` in the child's output, or fails when it exits first. */
function waitForLine(child: ChildProcess, watched: Child, pattern: RegExp, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start within ${timeoutMs} ms:\n${watched.tail().join('\n')}`));
    }, timeoutMs);
    const check = (line: string): void => {
      const m = pattern.exec(line);
      if (!m?.[1]) return;
      clearTimeout(timer);
      resolve(m[1]);
    };
    for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', check);
    void watched.exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${how}) before it was ready:\n${watched.tail().join('\n')}`));
    });
  });
}

export interface Emulator extends Child {
  url: string;
  /** Adds a fault rule through the control plane (cleartext HTTP/2, as the emulator serves it). */
  fault(rule: Record<string, unknown>): Promise<void>;
}

export async function startEmulator(env: NodeJS.ProcessEnv, controlToken: string): Promise<Emulator> {
  const child = spawn(process.execPath, [join(REPO, 'bedrock-emulator/bin/easel-bedrock-emulator.js'), '--port', '0', '--control-token', controlToken], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watch(child, () => undefined);
  const url = await waitForLine(child, watched, /^(http:\/\/\S+)/, 'the Bedrock emulator', 30_000);
  return {
    ...watched,
    url,
    fault: (rule) =>
      new Promise<void>((resolve, reject) => {
        const session = connect(url);
        session.on('error', reject);
        const req = session.request({ ':method': 'POST', ':path': '/__emulator/faults', 'content-type': 'application/json', 'x-emulator-token': controlToken });
        req.on('response', (headers) => {
          const status = Number(headers[':status']);
          req.resume();
          req.on('end', () => {
            session.close();
            if (status === 204) resolve();
            else reject(new Error(`the emulator refused the fault rule: ${status}`));
          });
        });
        req.end(JSON.stringify(rule));
      }),
  };
}

/** Host log lines of level warn (40) and above, counted by level and message. */
export interface LogCounts {
  warn: Record<string, number>;
  error: Record<string, number>;
  /** A few error lines as written (their request ids lead to the cause). */
  errorSamples: string[];
  /** The first lines of a few warnings, as written (`a dispatch failed` carries its reason). */
  warnSamples: string[];
}

/** Warnings whose lines say more than their count. */
const SAMPLED_WARNINGS = new Set(['a dispatch failed', 'a worker named a call it does not run', 'plugin quarantined after repeated sandbox crashes']);

export interface HostChild extends Child {
  url: string;
  logs: LogCounts;
}

export async function startHostChild(env: NodeJS.ProcessEnv): Promise<HostChild> {
  const logs: LogCounts = { warn: {}, error: {}, errorSamples: [], warnSamples: [] };
  const count = (line: string): void => {
    if (!line.startsWith('{')) return;
    let entry: { level?: unknown; msg?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      return;
    }
    if (typeof entry.level !== 'number' || entry.level < 40) return;
    const msg = typeof entry.msg === 'string' ? entry.msg : '(no msg)';
    const bucket = entry.level >= 50 ? logs.error : logs.warn;
    bucket[msg] = (bucket[msg] ?? 0) + 1;
    if (entry.level >= 50 && logs.errorSamples.length < 10) logs.errorSamples.push(line.slice(0, 2000));
    // An isolate of the hostile plugin is disposed all the time; one of another plugin is news.
    const sampled = SAMPLED_WARNINGS.has(msg) || (msg === 'isolate disposed' && !line.includes('"plugin":"soak-hostile@'));
    if (entry.level < 50 && sampled && logs.warnSamples.filter((l) => l.includes(`"msg":"${msg}"`)).length < 5) logs.warnSamples.push(line.slice(0, 1000));
  };
  const child = spawn(process.execPath, ['--no-node-snapshot', join(REPO, 'host/src/main.ts')], { env, cwd: env.HOME, stdio: ['ignore', 'pipe', 'pipe'] });
  const watched = watch(child, count);
  const url = await waitForLine(child, watched, /Easel host listening on (http:\/\/\S+)/, 'the host', 180_000);
  return { ...watched, url, logs };
}
