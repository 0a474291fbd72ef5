/**
 * `easel pack`: plugin folder -> reproducible npm-style tarball. The same sources give the
 * same bytes (fixed mtime, sorted entries, fixed modes, no owner names, fixed gzip header),
 * and the result goes through `extractBundle` before it is returned, so what pack accepts
 * the host accepts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { PluginManifest } from '../manifest.ts';
import { buildPluginScript } from './build-script.ts';
import { BundleError } from './errors.ts';
import { extractBundle } from './extract.ts';
import { integrityOf } from './integrity.ts';
import { DEFAULT_BUNDLE_LIMITS } from './limits.ts';
import { writeTar, type TarEntry } from './tar-writer.ts';
import { validateManifest } from './validate-manifest.ts';

export interface PackedPlugin {
  tarball: Buffer;
  /** sha512 SRI of `tarball`. */
  integrity: string;
  /** `<name>-<version>.tgz`. */
  filename: string;
  manifest: PluginManifest;
  /** `dist/plugin.js` as packed: the script the host loads into the plugin's isolate. */
  script: string;
  /** `package/package.json` as packed: the npm version document a registry serves. */
  packageJson: Record<string, unknown>;
}

/** Optional files copied into the bundle when the plugin folder has them. */
const EXTRA_FILES = ['README.md', 'CHANGELOG.md'];

/**
 * Validates `dir/plugin.json`, bundles the entry into `dist/plugin.js`, generates
 * package.json and returns the gzip tarball. Throws BundleError with every problem.
 *
 * @example
 * ```ts
 * const { tarball, filename, integrity } = await packPlugin('plugins-external/hello');
 * await writeFile(filename, tarball);
 * ```
 */
export async function packPlugin(dir: string): Promise<PackedPlugin> {
  const root = resolve(dir);
  const manifest = await readValidManifest(root);
  const script = await bundleScript(root);
  const pkg = packageJson(manifest);
  const entries: TarEntry[] = [
    // Re-serialised, not copied: one canonical JSON text (no duplicate keys, no BOM) in every bundle.
    { path: 'package/plugin.json', data: jsonBytes(manifest) },
    { path: 'package/package.json', data: jsonBytes(pkg) },
    { path: 'package/dist/plugin.js', data: Buffer.from(script, 'utf8') },
  ];
  for (const name of EXTRA_FILES) {
    const data = await readFile(join(root, name)).catch(() => undefined);
    if (data) entries.push({ path: `package/${name}`, data });
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : 1));
  const tarball = gzipFixed(writeTar(entries));
  await selfCheck(tarball);
  return { tarball, integrity: integrityOf(tarball), filename: `${manifest.name}-${manifest.version}.tgz`, manifest, script, packageJson: pkg };
}

async function readValidManifest(root: string): Promise<PluginManifest> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(join(root, 'plugin.json'), 'utf8'));
  } catch (err) {
    const message = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'plugin.json not found' : `plugin.json is not valid JSON: ${(err as Error).message}`;
    throw new BundleError('MANIFEST_INVALID', [{ path: '/', message }]);
  }
  const result = validateManifest(value);
  if (!result.ok) throw new BundleError('MANIFEST_INVALID', result.problems);
  return result.manifest;
}

/**
 * The plugin's script, or BUNDLE_INVALID with esbuild's errors as problems whose path is
 * `file:line:column` (both from 1, as editors count). `easel validate` reports the same.
 */
export async function bundleScript(root: string): Promise<string> {
  try {
    return (await buildPluginScript(root)).code;
  } catch (err) {
    // esbuild attaches structured errors; fall back to the message for ours (no entry file).
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    const problems = errors?.length
      ? errors.map((e) => ({ path: e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}` : '', message: e.text }))
      : [{ path: '', message: (err as Error).message }];
    throw new BundleError('BUNDLE_INVALID', problems, `bundling failed: ${problems[0]!.message}`);
  }
}

/**
 * The npm-facing package.json; the npm name is the plugin name. Plugin dependencies and the
 * host range are repeated here because any npm registry serves package.json as the version
 * document, and the host resolves from that before it has the tarball.
 */
function packageJson(m: PluginManifest): Record<string, unknown> {
  return {
    name: m.name,
    version: m.version,
    description: m.description,
    license: m.license,
    ...(m.keywords ? { keywords: m.keywords } : {}),
    dependencies: m.dependencies ?? {},
    engines: { easel: m.engines.easel },
    easel: { manifest: 'plugin.json' },
  };
}

function jsonBytes(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
}

/** gzip with a header that does not vary: zlib writes mtime 0; the OS byte is pinned to Unix. */
function gzipFixed(tar: Buffer): Buffer {
  const gz = gzipSync(tar, { level: 9 });
  gz[9] = 3; // OS field, outside the CRC; zlib sets it per platform
  return gz;
}

async function selfCheck(tarball: Buffer): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'easel-pack-check-'));
  try {
    await extractBundle(tarball, dir, DEFAULT_BUNDLE_LIMITS);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
