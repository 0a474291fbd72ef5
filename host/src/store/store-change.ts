/** Reading the notices hosts on a shared store send each other (StoreChange). */
import type { StoreChange } from './types.ts';

/** A notice with no field: the feed was interrupted, and anything may have changed meanwhile. */
export function anythingMayHaveChanged(change: StoreChange): boolean {
  return Object.keys(change).length === 0;
}
