/**
 * Crash strikes per plugin id. When a worker blamed a plugin before ending itself, that plugin
 * alone gets a strike; when a worker died without naming one, every plugin that had a call in
 * flight gets a strike. `limit` strikes inside
 * `windowMs` quarantine it until `reset` (the sandbox's `load` or `unload` of that id).
 */
export class CrashLedger {
  #limit: number;
  #windowMs: number;
  #strikes = new Map<string, number[]>();
  #quarantined = new Set<string>();

  constructor(limit: number, windowMs: number) {
    this.#limit = Math.max(1, limit);
    this.#windowMs = windowMs;
  }

  /** Records a strike; true when it just put the plugin in quarantine. */
  strike(pluginId: string, now = Date.now()): boolean {
    const recent = (this.#strikes.get(pluginId) ?? []).filter((t) => now - t < this.#windowMs);
    recent.push(now);
    this.#strikes.set(pluginId, recent);
    if (recent.length < this.#limit || this.#quarantined.has(pluginId)) return false;
    this.#quarantined.add(pluginId);
    return true;
  }

  isQuarantined(pluginId: string): boolean {
    return this.#quarantined.has(pluginId);
  }

  reset(pluginId: string): void {
    this.#strikes.delete(pluginId);
    this.#quarantined.delete(pluginId);
  }
}
