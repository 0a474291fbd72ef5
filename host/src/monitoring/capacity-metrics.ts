/**
 * Execution capacity, read at scrape time: slots in use and the queue of the execution gate
 * (EASEL_EXECUTIONS_MAX_CONCURRENT and its queue), and the per-key slots summed over every
 * app key (never labelled by key).
 */
import { Gauge, type Registry } from 'prom-client';

export interface CapacitySources {
  gate?: { readonly running: number; readonly queued: number };
  keySlots?: { readonly inUse: number };
}

export function capacityMetrics(registry: Registry, sources: () => CapacitySources): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (s: CapacitySources) => number | undefined) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const value = read(sources());
        if (value !== undefined) this.set(value);
      },
    });
  gauge('easel_execution_slots_in_use', 'Executions holding one of the host-wide execution slots (running)', (s) => s.gate?.running);
  gauge('easel_execution_queue_depth', 'Executions waiting for an execution slot', (s) => s.gate?.queued);
  gauge('easel_key_execution_slots_in_use', 'Executions queued or running against the per-key limit, summed over every app key', (s) => s.keySlots?.inUse);
}
