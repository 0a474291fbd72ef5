/** The registry cannot start on the store or storage it was configured with; `main.ts` prints the message as one line. */
export class RegistryStartError extends Error {
  readonly code = 'REGISTRY_START_FAILED';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RegistryStartError';
  }
}
