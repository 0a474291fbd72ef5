/**
 * `easel publish [dir]`: packs the plugin with every check `easel pack` makes, then
 * publishes it with the npm protocol (`PUT /<name>`, the tarball as a base64 attachment) to
 * the registry named by `--registry`, `EASEL_REGISTRY` or `.npmrc`, with the token from
 * `EASEL_REGISTRY_TOKEN` or `.npmrc`. Ends with one summary line.
 */
import { sha1Hex } from '../bundle/integrity.ts';
import type { PackedPlugin } from '../bundle/pack.ts';
import type { CliIo } from './io.ts';
import type { Command } from './command.ts';
import { registryConfig } from './npmrc.ts';
import { packChecked } from './pack-command.ts';

export const publishCommand: Command = {
  usage: 'publish [dir] [--registry <url>] [--tag <tag>] [--dry-run]',
  summary: 'pack, check, then publish to the registry in .npmrc (token from .npmrc or EASEL_REGISTRY_TOKEN)',
  options: { registry: { type: 'string' }, tag: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  positionals: [0, 1],
  run: ([dir = '.'], values, io) => publish(dir, { registry: values.registry as string | undefined, tag: (values.tag as string | undefined) ?? 'latest', dryRun: values['dry-run'] === true }, io),
};

interface PublishOptions {
  registry: string | undefined;
  tag: string;
  dryRun: boolean;
}

async function publish(dir: string, options: PublishOptions, io: CliIo): Promise<number> {
  const config = await registryConfig(dir, options.registry);
  if (!config.registry) {
    io.err('easel: no registry: pass --registry <url>, or set `registry=<url>` in the plugin\'s .npmrc');
    return 1;
  }
  if (!URL.canParse(config.registry)) {
    io.err(`easel: the registry "${config.registry}" is not a URL`);
    return 1;
  }
  io.err(`packing ${dir} …`);
  const packed = await packChecked(dir, io);
  if (!packed) return 1;
  const { name, version } = packed.manifest;
  io.err(`packed ${name}@${version}: ${formatBytes(packed.tarball.length)}, ${packed.integrity}`);
  const registry = config.registry.replace(/\/+$/, '');
  const url = `${registry}/${encodeURIComponent(name)}`;
  if (options.dryRun) {
    io.out(`${name}@${version} ${packed.integrity} ${formatBytes(packed.tarball.length)} ${url} (dry run: nothing published)`);
    return 0;
  }
  if (!config.token) {
    io.err(`easel: no token for ${registry}: run \`easel login --registry ${registry}\`, or put \`${tokenLineHint(registry)}\` in .npmrc (see "Publishing from CI")`);
    return 1;
  }
  io.err(`publishing to ${registry} (token from ${config.tokenSource}) …`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${config.token}`, 'npm-command': 'publish', 'user-agent': 'easel-cli' },
      body: JSON.stringify(publishDocument(packed, registry, options.tag)),
    });
  } catch (err) {
    io.err(`easel: cannot reach ${registry}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    return 1;
  }
  if (!response.ok) {
    io.err(`easel: publish refused: ${await describeRefusal(response)}`);
    if (response.status === 401) io.err(`hint: the token is missing or revoked; run \`easel login --registry ${registry}\``);
    return 1;
  }
  io.out(`+ ${name}@${version} ${packed.integrity} ${formatBytes(packed.tarball.length)} ${url}`);
  return 0;
}

/** The document `npm publish` sends: one version, one attachment. */
function publishDocument(packed: PackedPlugin, registry: string, tag: string): Record<string, unknown> {
  const { name, version, description } = packed.manifest;
  const filename = `${name}-${version}.tgz`;
  return {
    _id: name,
    name,
    description,
    'dist-tags': { [tag]: version },
    versions: {
      [version]: {
        ...packed.packageJson,
        _id: `${name}@${version}`,
        dist: { integrity: packed.integrity, shasum: sha1Hex(packed.tarball), tarball: `${registry}/${name}/-/${filename}` },
      },
    },
    access: null,
    _attachments: { [filename]: { content_type: 'application/octet-stream', data: packed.tarball.toString('base64'), length: packed.tarball.length } },
  };
}

/** `401 AUTH_REQUIRED: …` from the registry's error body, or the status line. */
export async function describeRefusal(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { code?: string; error?: string; message?: string };
    const message = body.message ?? body.error;
    if (message) return `${response.status} ${body.code ? `${body.code}: ` : ''}${message}`;
  } catch {
    // Not JSON: fall through to the status line.
  }
  return `${response.status} ${response.statusText}`;
}

function tokenLineHint(registry: string): string {
  const url = new URL(registry);
  return `//${url.host}${url.pathname.replace(/\/?$/, '/')}:_authToken=\${EASEL_REGISTRY_TOKEN}`;
}

export function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}
