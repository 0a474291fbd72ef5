/**
 * Resident memory of the host and of its sandbox workers, read from /proc (Linux) by pid, from
 * outside the measured processes. A worker is a child process of the host; a worker that dies
 * and is restarted shows up as a new pid, which is how restarts are counted.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** VmRSS (resident) and VmSize (address space) in bytes, or undefined when the process is gone. */
export function memoryOf(pid: number): { rss: number; vm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    const rss = kb('VmRSS');
    return Number.isFinite(rss) ? { rss, vm: kb('VmSize') } : undefined;
  } catch {
    return undefined;
  }
}

/** The live child processes of `pid` (every thread's children). */
export function childPids(pid: number): number[] {
  const pids = new Set<number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const task of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/)) if (child) pids.add(Number(child));
    } catch {
      // the thread ended meanwhile
    }
  }
  return [...pids];
}

export interface MemorySample {
  /** Seconds since traffic started. */
  at: number;
  host: number;
  /** Summed over the live workers. */
  workers: number;
  workerCount: number;
  /** The largest worker's. */
  largestWorker: number;
  /**
   * The workers' address space, summed. Each live V8 isolate reserves about half a GiB of it
   * (its pointer cage) and gives it back when disposed, so this follows the number of isolates
   * alive (the host's `easel_sandbox_isolates_live` gauge counts them).
   */
  workersVm: number;
  /** RSS by worker pid. */
  byWorker: Map<number, number>;
}

/** Samples the host and its workers every `everyMs`; remembers every worker pid it saw. */
export class MemorySampler {
  readonly samples: MemorySample[] = [];
  readonly workerPids = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #hostPid: number;
  #start: number;

  constructor(hostPid: number, start: number) {
    this.#hostPid = hostPid;
    this.#start = start;
  }

  sample(): MemorySample | undefined {
    const host = memoryOf(this.#hostPid)?.rss;
    if (host === undefined) return undefined;
    let workers = 0;
    let workersVm = 0;
    let largestWorker = 0;
    let workerCount = 0;
    const byWorker = new Map<number, number>();
    for (const pid of childPids(this.#hostPid)) {
      const memory = memoryOf(pid);
      if (memory === undefined) continue;
      this.workerPids.add(pid);
      workers += memory.rss;
      byWorker.set(pid, memory.rss);
      workersVm += memory.vm;
      workerCount++;
      largestWorker = Math.max(largestWorker, memory.rss);
    }
    const sample = { at: (performance.now() - this.#start) / 1000, host, workers, workerCount, largestWorker, workersVm, byWorker };
    this.samples.push(sample);
    return sample;
  }

  start(everyMs: number): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** About `points` samples spread over the run, as [seconds, host RSS, workers RSS, workers VmSize] in MiB: how memory moved. */
  timeline(points: number): [number, number, number, number][] {
    const step = Math.max(1, Math.floor(this.samples.length / points));
    const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));
    return this.samples.filter((_, i) => i % step === 0 || i === this.samples.length - 1).map((s) => [Math.round(s.at), mb(s.host), mb(s.workers), mb(s.workersVm)]);
  }

  /** Median of each series over samples with `from <= at < to` (a median, so one call's spike does not decide). */
  medianBetween(from: number, to: number): { host: number; workers: number; largestWorker: number; workersVm: number; byWorker: Map<number, number> } | undefined {
    const window = this.samples.filter((s) => s.at >= from && s.at < to);
    if (window.length === 0) return undefined;
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.floor((sorted.length - 1) / 2)] as number;
    };
    return {
      host: median(window.map((s) => s.host)),
      workers: median(window.map((s) => s.workers)),
      largestWorker: median(window.map((s) => s.largestWorker)),
      workersVm: median(window.map((s) => s.workersVm)),
      byWorker: new Map([...new Set(window.flatMap((s) => [...s.byWorker.keys()]))].map((pid) => [pid, median(window.flatMap((s) => s.byWorker.get(pid) ?? []))])),
    };
  }
}
