/**
 * Crash strikes and quarantines per plugin id, in memory (a host restart starts with none).
 * A strike is only ever recorded against the plugin a worker blamed before ending itself,
 * with the worker's reason and figures: the supervisor never strikes a plugin for having had
 * a call in flight when its worker died. `limit` strikes inside `windowMs` quarantine it; a
 * quarantine lifts itself after `liftMs` (0: never), or when lifted or reset (the sandbox's
 * `load` or `unload` of that id). Every start and lift is told to `onChange`.
 */
import type { QuarantineEvent, QuarantineStrike, SandboxQuarantine } from './types.ts';

export class CrashLedger {
  #limit: number;
  #windowMs: number;
  #liftMs: number;
  #onChange: (event: QuarantineEvent) => void;
  #strikes = new Map<string, QuarantineStrike[]>();
  #quarantined = new Map<string, SandboxQuarantine>();
  #timers = new Map<string, NodeJS.Timeout>();

  constructor(limit: number, windowMs: number, liftMs = 0, onChange: (event: QuarantineEvent) => void = () => undefined) {
    this.#limit = Math.max(1, limit);
    this.#windowMs = windowMs;
    this.#liftMs = Math.max(0, liftMs);
    this.#onChange = onChange;
  }

  /** Records a strike; the quarantine it just started, if it started one. */
  strike(pluginId: string, strike: QuarantineStrike): SandboxQuarantine | undefined {
    if (this.quarantineOf(pluginId, strike.at)) return undefined;
    const recent = (this.#strikes.get(pluginId) ?? []).filter((s) => strike.at - s.at < this.#windowMs);
    recent.push(strike);
    this.#strikes.set(pluginId, recent);
    if (recent.length < this.#limit) return undefined;
    this.#strikes.delete(pluginId);
    const quarantine: SandboxQuarantine = {
      pluginId,
      reason: `${recent.length} sandbox worker crashes within ${this.#windowMs} ms were blamed on this plugin`,
      since: strike.at,
      until: this.#liftMs > 0 ? strike.at + this.#liftMs : undefined,
      strikes: recent,
    };
    this.#quarantined.set(pluginId, quarantine);
    if (quarantine.until !== undefined) {
      const timer = setTimeout(() => this.#end(pluginId, 'expired'), this.#liftMs);
      timer.unref();
      this.#timers.set(pluginId, timer);
    }
    this.#tell({ type: 'quarantined', quarantine, cause: 'crashes' });
    return quarantine;
  }

  /** The quarantine in force for the plugin (one whose time ran out is lifted here if its timer is late). */
  quarantineOf(pluginId: string, now = Date.now()): SandboxQuarantine | undefined {
    const found = this.#quarantined.get(pluginId);
    if (found?.until !== undefined && now >= found.until) {
      this.#end(pluginId, 'expired');
      return undefined;
    }
    return found;
  }

  list(now = Date.now()): SandboxQuarantine[] {
    return [...this.#quarantined.keys()].flatMap((id) => this.quarantineOf(id, now) ?? []);
  }

  /** Lifts the plugin's quarantine now (its strikes go too); the lifted quarantine, if any. */
  lift(pluginId: string, actor: string): SandboxQuarantine | undefined {
    return this.#end(pluginId, 'lifted', actor);
  }

  /** The plugin was loaded or unloaded again: it starts with no strikes. */
  reset(pluginId: string): void {
    this.#strikes.delete(pluginId);
    this.#end(pluginId, 'reloaded');
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #end(pluginId: string, cause: 'expired' | 'lifted' | 'reloaded', actor?: string): SandboxQuarantine | undefined {
    const quarantine = this.#quarantined.get(pluginId);
    clearTimeout(this.#timers.get(pluginId));
    this.#timers.delete(pluginId);
    if (!quarantine) return undefined;
    this.#quarantined.delete(pluginId);
    this.#strikes.delete(pluginId);
    this.#tell({ type: 'lifted', quarantine, cause, ...(actor === undefined ? {} : { actor }) });
    return quarantine;
  }

  #tell(event: QuarantineEvent): void {
    try {
      this.#onChange(event);
    } catch {
      // A listener's failure must not change who may run.
    }
  }
}
