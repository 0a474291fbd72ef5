/**
 * Starts the registry from the environment: validates config (every problem reported),
 * builds the registry, listens, prints a generated admin token once, and closes cleanly on
 * signals.
 */
import { buildRegistry } from './build-registry.ts';
import { ConfigError, loadConfig } from './config/index.ts';

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`easel-registry: invalid configuration\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}

const registry = await buildRegistry(config);
const address = await registry.app.listen({ host: config.host, port: config.port });
if (registry.generatedAdminToken !== undefined) {
  // Shown once: only its hash is stored. Set EASEL_REGISTRY_ADMIN_TOKEN to choose the token instead.
  process.stdout.write(`\nEasel registry admin token (shown once, store it now):\n  ${registry.generatedAdminToken}\n\n`);
}
process.stdout.write(`Easel registry listening on ${address}, tarball URLs at ${registry.publicUrl()} (data in ${config.dataDir})\n`);
process.stdout.write(`Signing key ${registry.publicKey.keyid}${registry.generatedSigningKey ? ' (generated now)' : ''}\n`);

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    registry.app.log.info({ signal }, 'closing');
    registry.app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        registry.app.log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  });
}
