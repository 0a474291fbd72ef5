/**
 * What a plugin's calls get: the limits its manifest asks for, capped by the host, the host's
 * default where it asks nothing. The host computes its plugins' limits with this, and
 * `easel validate` and the test kit with a default host's settings, so the three agree.
 */
import type { Limits } from '../manifest.ts';

/** A host's sandbox limits: defaults for plugins that ask for nothing, and caps on what they may ask. */
export interface SandboxLimitConfig {
  memoryMb: number;
  maxMemoryMb: number;
  timeoutMs: number;
  maxTimeoutMs: number;
  cpuMs: number;
  maxCpuMs: number;
}

/**
 * A host's defaults (`EASEL_SANDBOX_MEMORY_MB`, `_TIMEOUT_MS`, `_CPU_MS`) and caps
 * (`EASEL_SANDBOX_MAX_MEMORY_MB`, `_MAX_TIMEOUT_MS`, `_MAX_CPU_MS`) when its config sets none.
 */
export const HOST_DEFAULT_LIMITS: Readonly<SandboxLimitConfig> = Object.freeze({ memoryMb: 64, maxMemoryMb: 256, timeoutMs: 10_000, maxTimeoutMs: 120_000, cpuMs: 5_000, maxCpuMs: 60_000 });

/**
 * The limits a plugin gets on a host: what it asks for, capped; the default where it asks nothing.
 *
 * @example
 * ```ts
 * effectiveLimits({ memoryMb: 1024 }); // { memoryMb: 256, wallMs: 10000, cpuMs: 5000 } on a default host
 * ```
 */
export function effectiveLimits(asked: Limits | undefined, host: SandboxLimitConfig = HOST_DEFAULT_LIMITS): { memoryMb: number; cpuMs: number; wallMs: number } {
  const wallMs = Math.min(asked?.timeoutMs ?? host.timeoutMs, host.maxTimeoutMs);
  return {
    memoryMb: Math.min(asked?.memoryMb ?? host.memoryMb, host.maxMemoryMb),
    wallMs,
    // CPU can never usefully exceed wall time; a plugin that names only a timeout gets it for both.
    cpuMs: Math.min(asked?.cpuMs ?? Math.min(host.cpuMs, wallMs), host.maxCpuMs, wallMs),
  };
}
