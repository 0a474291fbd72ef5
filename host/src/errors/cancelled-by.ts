import { EaselError } from './easel-error.ts';

/**
 * The error for work stopped by an abort signal: the signal's own EaselError (the execution
 * was cancelled, the app hung up, the call ended), else a plain cancellation.
 */
export function cancelledBy(signal: AbortSignal): EaselError {
  return signal.reason instanceof EaselError ? signal.reason : new EaselError('EXECUTION_CANCELLED', { subject: 'call' });
}
