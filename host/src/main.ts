/**
 * Starts the host from the environment: validates config (every problem reported), builds
 * the host, listens, prints a generated admin key once, and closes cleanly on signals.
 */
import { buildHost } from './build-host.ts';
import { closeOnSignals, loadConfigOrExit } from '@easel/common/process/service-main';
import { loadConfig } from './config/index.ts';
import { CatalogError } from './models/index.ts';

const config = loadConfigOrExit('easel', () => loadConfig(process.env));

const host = await buildHost(config).catch((error: unknown) => {
  if (!(error instanceof CatalogError)) throw error;
  process.stderr.write(`easel: the model catalog is invalid: ${error.message}\n`);
  process.exit(1);
});
const address = await host.app.listen({ host: config.host, port: config.port });
if (host.generatedAdminKey !== undefined) {
  // Shown once: only its hash is stored. Set EASEL_ADMIN_TOKEN to choose the key instead.
  process.stdout.write(`\nEasel admin key (shown once, store it now):\n  ${host.generatedAdminKey}\n\n`);
}
process.stdout.write(`Easel host listening on ${address} (data in ${config.dataDir})\n`);
const { target } = host.models;
process.stdout.write(
  target.kind === 'emulator'
    ? `Models: Bedrock emulator at ${target.endpoint} (synthetic answers; no AWS credentials configured or EASEL_BEDROCK_MODE=emulator)\n`
    : `Models: Amazon Bedrock in ${target.region}${target.endpoint ? ` via ${target.endpoint}` : ''}\n`,
);
const { storage } = config;
process.stdout.write(
  storage.backend === 'local'
    ? `Blobs: local folder ${storage.dir}\n`
    : `Blobs: S3 bucket ${storage.s3.bucket}${storage.s3.prefix ? ` under ${storage.s3.prefix}` : ''} in ${storage.s3.region}${storage.s3.endpoint ? ` via ${storage.s3.endpoint}` : ''}\n`,
);

closeOnSignals(host.app);
