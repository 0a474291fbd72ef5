/**
 * Starts the registry from the environment: validates config (every problem reported),
 * builds the registry, listens, prints a generated admin token once, and closes cleanly on
 * signals.
 */
import { buildRegistry } from './build-registry.ts';
import { closeOnSignals, loadConfigOrExit } from '@easel/common/process/service-main';
import { loadConfig } from './config/index.ts';
import { RegistryStartError, StoreSchemaError } from './store/index.ts';

const config = loadConfigOrExit('easel-registry', () => loadConfig(process.env));

const registry = await buildRegistry(config).catch((error: unknown) => {
  // The database or the bucket cannot be used: one line that says which and why, no stack.
  if (!(error instanceof RegistryStartError || error instanceof StoreSchemaError)) throw error;
  process.stderr.write(`easel-registry: ${error.message}\n`);
  process.exit(1);
});
const address = await registry.app.listen({ host: config.host, port: config.port });
if (registry.generatedAdminToken !== undefined) {
  // Shown once: only its hash is stored. Set EASEL_REGISTRY_ADMIN_TOKEN to choose the token instead.
  process.stdout.write(`\nEasel registry admin token (shown once, store it now):\n  ${registry.generatedAdminToken}\n\n`);
}
const where = config.store === 'postgres' ? 'records in PostgreSQL' : `data in ${config.dataDir}`;
process.stdout.write(`Easel registry listening on ${address}, tarball URLs at ${registry.publicUrl()} (${where}${config.storage === 's3' ? ', tarballs in S3' : ''})\n`);
process.stdout.write(`Signing key ${registry.publicKey.keyid}${registry.generatedSigningKey ? ' (generated now)' : ''}\n`);

closeOnSignals(registry.app);
