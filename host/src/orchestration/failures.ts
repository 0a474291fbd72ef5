/** Any error a call can end with, as the EaselError the API and the journal record. */
import { EaselError, isErrorCode } from '../errors/index.ts';

export function asEaselError(error: unknown): EaselError {
  if (error instanceof EaselError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  // Another module's error that carries a code of the table (the SDK's BundleError): its text is that module's.
  if (isErrorCode(code)) return EaselError.relay(code, String((error as Error).message));
  return new EaselError('INTERNAL_ERROR', { reference: 'the execution id' });
}

/** The sandbox's call metrics ride on its errors' details; they are recorded, not reported as details. */
const METRICS = new Set(['cpuMs', 'wallMs', 'heapUsedBytes', 'heapPeakBytes']);

/** An error's details without the call metrics; undefined when nothing else is left. */
export function publicDetails(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!details) return undefined;
  const kept = Object.fromEntries(Object.entries(details).filter(([key]) => !METRICS.has(key)));
  return Object.keys(kept).length > 0 ? kept : undefined;
}
