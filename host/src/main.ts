/**
 * Starts the host from the environment: validates config (every problem reported), builds
 * the host, listens, prints a generated admin key once, and closes cleanly on signals.
 */
import { buildHost } from './build-host.ts';
import { ConfigError, loadConfig } from './config/index.ts';

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`easel: invalid configuration\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}

const host = await buildHost(config);
const address = await host.app.listen({ host: config.host, port: config.port });
if (host.generatedAdminKey !== undefined) {
  // Shown once: only its hash is stored. Set EASEL_ADMIN_TOKEN to choose the key instead.
  process.stdout.write(`\nEasel admin key (shown once, store it now):\n  ${host.generatedAdminKey}\n\n`);
}
process.stdout.write(`Easel host listening on ${address} (data in ${config.dataDir})\n`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    host.app.log.info({ signal }, 'closing');
    host.app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        host.app.log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  });
}
