import type { Limits } from '@easel/sdk';

/** The host's sandbox limits: defaults for plugins that ask for nothing, and caps on what they may ask. */
export interface SandboxLimitConfig {
  memoryMb: number;
  maxMemoryMb: number;
  timeoutMs: number;
  maxTimeoutMs: number;
  cpuMs: number;
  maxCpuMs: number;
}

/** What a plugin gets: what it asks for, capped by the host; the default where it asks nothing. */
export function effectiveLimits(asked: Limits | undefined, host: SandboxLimitConfig): { memoryMb: number; cpuMs: number; wallMs: number } {
  const wallMs = Math.min(asked?.timeoutMs ?? host.timeoutMs, host.maxTimeoutMs);
  return {
    memoryMb: Math.min(asked?.memoryMb ?? host.memoryMb, host.maxMemoryMb),
    wallMs,
    // CPU can never usefully exceed wall time; a plugin that names only a timeout gets it for both.
    cpuMs: Math.min(asked?.cpuMs ?? Math.min(host.cpuMs, wallMs), host.maxCpuMs, wallMs),
  };
}
