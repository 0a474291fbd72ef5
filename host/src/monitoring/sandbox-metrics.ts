/**
 * The sandbox: what it tells on the bus as it happens (isolate kills, worker restarts, dropped
 * plugin log lines, quarantines) and what it holds now, read at scrape time (isolates alive
 * and their heap, workers and their resident memory, calls in flight, plugins quarantined).
 * Plugins are labelled by name, not by version, so a plugin's series outlive its upgrades.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventBus } from '../events/index.ts';
import type { Sandbox, SandboxStats } from '../sandbox/index.ts';
import { isAmount } from './amounts.ts';
import { pluginNameOf } from './plugin-name.ts';

/** A worker that does not answer in time holds no scrape up. */
const STATS_TIMEOUT_MS = 2000;

type SandboxSource = Pick<Sandbox, 'stats' | 'quarantines'>;

/**
 * `unsubscribe` stops listening; `scraping` is called as each scrape begins, so that its
 * gauges share one round of stats from the workers (and the next scrape asks again).
 */
export function sandboxMetrics(registry: Registry, bus: EventBus, source: () => SandboxSource | undefined): { unsubscribe: (() => void)[]; scraping: () => void } {
  const registers = [registry];
  const kills = new Counter({ name: 'easel_sandbox_kills_total', help: 'Isolates disposed while running plugin code, by cause (timeout, memory, idle, aborted)', labelNames: ['plugin', 'cause'], registers });
  const restarts = new Counter({ name: 'easel_sandbox_worker_restarts_total', help: 'Sandbox worker processes replaced, by reason (memory-cap, runaway, v8, exited, start-failed)', labelNames: ['reason'], registers });
  const dropped = new Counter({ name: 'easel_plugin_log_lines_dropped_total', help: 'ctx.log lines dropped in the isolate (too large, too many in flight, fields not JSON)', labelNames: ['plugin'], registers });
  const quarantines = new Counter({ name: 'easel_plugin_quarantines_total', help: 'Quarantines started after repeated worker crashes blamed on the plugin', labelNames: ['plugin'], registers });

  let snapshot: Promise<SandboxStats | undefined> | undefined;
  const stats = (): Promise<SandboxStats | undefined> => {
    const sandbox = source();
    if (!sandbox?.stats) return Promise.resolve(undefined);
    snapshot ??= withTimeout(sandbox.stats(), STATS_TIMEOUT_MS);
    return snapshot;
  };
  const fromStats = (name: string, help: string, read: (s: SandboxStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const s = await stats();
        if (s && isAmount(read(s))) this.set(read(s));
      },
    });
  fromStats('easel_sandbox_isolates_live', 'Isolates alive (or being built) in the sandbox workers', (s) => s.isolatesLive);
  fromStats('easel_sandbox_workers', 'Sandbox worker processes that answered this scrape', (s) => s.workers);
  fromStats('easel_sandbox_worker_rss_bytes', 'Resident memory of the sandbox worker processes, summed, in bytes', (s) => s.rssBytes);
  fromStats('easel_sandbox_calls_in_flight', 'Plugin calls the host waits on the sandbox for', (s) => s.callsInFlight);
  fromStats('easel_sandbox_versions_draining', 'Plugin versions retired (upgraded, disabled, uninstalled) whose calls still drain', (s) => s.versionsDraining);
  new Gauge({
    name: 'easel_sandbox_isolate_heap_bytes',
    help: "Heap of each plugin's live isolates at their last sample (a call's end, its bridge calls), in bytes",
    labelNames: ['plugin'],
    registers,
    async collect() {
      const s = await stats();
      if (!s) return;
      this.reset();
      const byName = new Map<string, number>();
      for (const [pluginId, bytes] of Object.entries(s.isolateHeapByPlugin)) byName.set(pluginNameOf(pluginId), (byName.get(pluginNameOf(pluginId)) ?? 0) + bytes);
      for (const [plugin, bytes] of byName) this.set({ plugin }, bytes);
    },
  });
  new Gauge({
    name: 'easel_plugins_quarantined',
    help: 'Plugin versions quarantined now',
    registers,
    collect() {
      const sandbox = source();
      if (sandbox) this.set(sandbox.quarantines().length);
    },
  });

  const unsubscribe = [
    bus.on('sandbox.killed', (e) => kills.inc({ plugin: pluginNameOf(e.pluginId), cause: e.cause })),
    bus.on('sandbox.worker-restarted', (e) => restarts.inc({ reason: e.reason })),
    bus.on('sandbox.log-dropped', (e) => {
      if (isAmount(e.count)) dropped.inc({ plugin: pluginNameOf(e.pluginId) }, e.count);
    }),
    bus.on('sandbox.quarantine', (e) => {
      if (e.change === 'started') quarantines.inc({ plugin: pluginNameOf(e.pluginId) });
    }),
  ];
  return { unsubscribe, scraping: () => (snapshot = undefined) };
}

/** `promise`, or undefined once `ms` pass first (a hung worker must not hang the scrape). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([promise.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}
