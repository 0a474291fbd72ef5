/**
 * What every Easel service's main.ts does around building its app: read the config or exit
 * with every problem listed, and close cleanly on SIGINT/SIGTERM.
 */
import { ConfigError } from '../config/load-env-config.ts';

/** Loads the config; on a ConfigError prints every problem to stderr and exits 1. */
export function loadConfigOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${service}: invalid configuration\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
}

interface Closable {
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  close(): Promise<unknown>;
}

/** On the first SIGINT or SIGTERM closes the app, then exits 0 (1 if closing failed). */
export function closeOnSignals(app: Closable): void {
  let closing = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      app.log.info({ signal }, 'closing');
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          app.log.error({ err: error }, 'error while closing');
          process.exit(1);
        },
      );
    });
  }
}
