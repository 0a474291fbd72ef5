/**
 * Who filled the worker's memory: the evidence behind naming a plugin when the worker passes
 * its resident cap. Each watchdog tick reads the process's RSS (a few microseconds) and charges
 * its growth since the last tick to the isolates that ran meanwhile, in proportion to the CPU
 * time each used: memory V8 does not count (or that an interrupted allocation keeps filling)
 * only grows while some isolate's thread fills it. Disposed isolates still running share the
 * growth when no live isolate ran. A shrink lowers every charge in proportion. An isolate is
 * named only if its charge is a real share of the cap; otherwise nobody is.
 */
import type { PluginIsolate } from '@easel/sdk/isolate';

/** The share of the cap an isolate must have been charged to be named. */
const MIN_BLAME_SHARE = 0.1;

interface Meter {
  cpuNs: bigint;
  bytes: number;
}

export class RssMeter {
  #capBytes: number;
  #meters = new Map<PluginIsolate, Meter>();
  #last = process.memoryUsage.rss();

  constructor(capBytes: number) {
    this.#capBytes = capBytes;
  }

  /**
   * One reading. `live`: the isolates that may run; `zombies`: disposed ones still running.
   * `culprit` is the isolate charged the most, with its charge, when that is a real share of the cap.
   */
  measure(live: Iterable<PluginIsolate>, zombies: Iterable<PluginIsolate>): { bytes: number; culprit: { iso: PluginIsolate; bytes: number } | undefined; ran: boolean } {
    const rss = process.memoryUsage.rss();
    const growth = rss - this.#last;
    this.#last = rss;
    const ran: [Meter, number][] = [];
    let cpuTotal = 0;
    for (const iso of live) {
      const cpuNs = iso.cpuNs();
      if (cpuNs === undefined) continue;
      let meter = this.#meters.get(iso);
      if (!meter) this.#meters.set(iso, (meter = { cpuNs: 0n, bytes: 0 }));
      const delta = Number(cpuNs - meter.cpuNs);
      meter.cpuNs = cpuNs;
      if (delta > 0) {
        ran.push([meter, delta]);
        cpuTotal += delta;
      }
    }
    const running = new Set(zombies);
    if (growth > 0 && cpuTotal > 0) {
      for (const [meter, delta] of ran) meter.bytes += (growth * delta) / cpuTotal;
    } else if (growth > 0) {
      const charged = [...running].flatMap((iso) => this.#meters.get(iso) ?? []);
      for (const meter of charged) meter.bytes += growth / charged.length;
    } else if (growth < 0) {
      let charged = 0;
      for (const meter of this.#meters.values()) charged += meter.bytes;
      const keep = charged > 0 ? Math.max(0, (charged + growth) / charged) : 0;
      for (const meter of this.#meters.values()) meter.bytes *= keep;
    }
    // Gone for good: disposed and no longer running.
    for (const iso of this.#meters.keys()) if (iso.dead && !running.has(iso)) this.#meters.delete(iso);
    let culprit: { iso: PluginIsolate; bytes: number } | undefined;
    let most = this.#capBytes * MIN_BLAME_SHARE;
    for (const [iso, meter] of this.#meters) {
      if (meter.bytes >= most) {
        most = meter.bytes;
        culprit = { iso, bytes: Math.round(meter.bytes) };
      }
    }
    return { bytes: rss, culprit, ran: ran.length > 0 };
  }
}
