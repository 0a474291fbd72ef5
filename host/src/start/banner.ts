/**
 * What `./run start` prints once the host listens: where it is, where its data and admin key
 * are, what it serves, and where to read on. For people; the pino log stays the record.
 */
import type { AdminKeySource } from '../auth/bootstrap.ts';
import type { StorageConfig } from '../config/index.ts';
import type { Models } from '../models/index.ts';

export interface BannerInfo {
  url: string;
  dataDir: string;
  adminKey: AdminKeySource;
  plugins: readonly { name: string; version: string; enabled: boolean }[];
  /** Registry URLs, asked in order; empty: none. */
  registries: readonly string[];
  storage: StorageConfig;
  models: Models['target'];
}

export function startBanner(info: BannerInfo): string {
  const lines = [
    `Easel host listening on ${info.url}`,
    `  Data folder: ${info.dataDir}`,
    ...adminKeyLines(info.adminKey),
    `  Plugins: ${info.plugins.length === 0 ? 'none installed' : info.plugins.map((p) => `${p.name}@${p.version} (${p.enabled ? 'enabled' : 'disabled'})`).join(', ')}`,
    `  Registry: ${info.registries.length === 0 ? 'none (set EASEL_REGISTRY_URL to install plugins from one)' : info.registries.join(', ')}`,
    `  Models: ${models(info.models)}`,
    `  Blobs: ${blobs(info.storage)}`,
    '  API: every route in docs/reference/http-api.md; a tour with curl in README.md',
    '  Stop: Ctrl-C here, or ./run stop from this checkout',
  ];
  return `${lines.join('\n')}\n`;
}

function adminKeyLines(source: AdminKeySource): string[] {
  switch (source.kind) {
    case 'configured':
      return ['  Admin key: the one set in EASEL_ADMIN_TOKEN'];
    case 'generated':
      // The key itself, once; the file keeps it for whoever missed this output.
      return [`  Admin key (new; also saved in ${source.file}, mode 0600):`, `    ${source.key}`];
    case 'file':
      return [`  Admin key: in ${source.file}`];
    case 'elsewhere':
      return [
        source.stale
          ? `  Admin key: ${source.file} holds a revoked key; use an admin key you kept, or set EASEL_ADMIN_TOKEN`
          : '  Admin key: use the one you kept (it was generated at the first start), or set EASEL_ADMIN_TOKEN',
      ];
  }
}

function models(target: Models['target']): string {
  return target.kind === 'emulator'
    ? `Bedrock emulator at ${target.endpoint} (synthetic answers; no AWS credentials configured or EASEL_BEDROCK_MODE=emulator)`
    : `Amazon Bedrock in ${target.region}${target.endpoint ? ` via ${target.endpoint}` : ''}`;
}

function blobs(storage: StorageConfig): string {
  if (storage.backend === 'local') return `local folder ${storage.dir}`;
  const { s3 } = storage;
  return `S3 bucket ${s3.bucket}${s3.prefix ? ` under ${s3.prefix}` : ''} in ${s3.region}${s3.endpoint ? ` via ${s3.endpoint}` : ''}`;
}
