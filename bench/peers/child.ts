/**
 * A target server as a child process: started, awaited until it prints the line that gives its
 * URL, its CPU time read from /proc (its own and that of its descendants: Easel's sandbox
 * workers), and stopped by its pid.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const TAIL = 60;
/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const TICKS = 100;

export interface Server {
  url: string;
  pid: number;
  /**
   * CPU seconds used so far (Linux /proc; undefined elsewhere): by the process and its live
   * descendants (`total`), and by those descendants alone (`children`: Easel's sandbox workers).
   */
  cpuSeconds(): { total: number; children: number } | undefined;
  tail(): string[];
  stop(): Promise<void>;
}

/**
 * Starts `command` and waits until it is ready: when `ready` is a pattern, until a line of its
 * output matches (its first group is the URL); when it is a URL, until that URL answers HTTP.
 */
export async function startServer(what: string, command: string, args: string[], ready: RegExp | URL, options: SpawnOptions & { timeoutMs?: number } = {}): Promise<Server> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const lines: string[] = [];
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not start within ${options.timeoutMs ?? 60_000} ms:\n${lines.join('\n')}`));
    }, options.timeoutMs ?? 60_000);
    // Both pipes are read for the child's whole life: a full pipe would block its writes.
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        lines.push(line);
        if (lines.length > TAIL) lines.shift();
        const m = ready instanceof RegExp ? ready.exec(line) : null;
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    }
    if (ready instanceof URL)
      void poll(ready, exited).then((ok) => {
        if (!ok) return;
        clearTimeout(timer);
        resolve(ready.origin);
      });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${how}) before it was ready:\n${lines.join('\n')}`));
    });
  });
  return {
    url,
    pid: child.pid as number,
    cpuSeconds() {
      const pid = child.pid as number;
      const total = treeCpuSeconds(pid);
      if (total === undefined) return undefined;
      return { total, children: childrenOf(pid).reduce((sum, c) => sum + (treeCpuSeconds(c) ?? 0), 0) };
    },
    tail: () => [...lines],
    stop: () => stop(child, exited),
  };
}

/** Resolves true once `url` answers HTTP (any status), false if the process exits first. */
async function poll(url: URL, exited: Promise<string>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  while (!gone) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

async function stop(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function ownCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses; utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU seconds of `pid` and of every child it ever had: its live descendants' and the reaped
 * children's (cutime, cstime). For a server whose workers come and go (PostgreSQL's backends),
 * so a backend that exits between two samples does not take its CPU with it.
 */
export function cpuSecondsWithReaped(pid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const after = fields.slice(fields.lastIndexOf(')') + 2).split(' ');
    const reaped = (Number(after[13]) + Number(after[14])) / TICKS;
    return reaped + (treeCpuSeconds(pid) ?? 0);
  } catch {
    return undefined;
  }
}

export function treeCpuSeconds(pid: number): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return ownCpuSeconds(pid) + childrenOf(pid).reduce((sum, c) => sum + (treeCpuSeconds(c) ?? 0), 0);
  } catch {
    return undefined;
  }
}
