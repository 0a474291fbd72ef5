/** A store that cannot be opened for a reason the operator fixes (unreachable, in use): one line, no stack. */
export class StoreStartError extends Error {
  readonly code = 'STORE_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreStartError';
  }
}
