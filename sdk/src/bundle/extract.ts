/**
 * Safe extraction of a plugin bundle (.tgz with a `package/` prefix). Fail closed: the size
 * cap, then an in-memory pre-scan of every entry, then tar's UnpackSync with hardened
 * options and an allow-list filter, then a walk of what landed on disk. Any failure empties
 * the destination.
 */
import { lstat, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UnpackSync, type ReadEntry } from 'tar';
import type { PluginManifest } from '../manifest.ts';
import { BundleError, type BundleProblem } from './errors.ts';
import { integrityOf, sha256Hex } from './integrity.ts';
import type { BundleLimits } from './limits.ts';
import { gunzipBounded, scanTar, type ScannedEntry } from './scan-archive.ts';
import { validateManifest } from './validate-manifest.ts';

export { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './limits.ts';
export { integrityOf } from './integrity.ts';

/** One extracted file: path relative to the bundle root (no `package/`), size, hex sha256. */
export interface BundleFile {
  path: string;
  size: number;
  sha256: string;
}

export interface ExtractedBundle {
  manifest: PluginManifest;
  /** sha512 SRI of the .tgz, as npm's `dist.integrity`. */
  integrity: string;
  /** Every file, sorted by path. */
  files: BundleFile[];
  /** Hex sha256 of dist/plugin.js. */
  scriptSha256: string;
}

/** A checked npm package that is not a plugin (a library): no manifest, any files. */
export interface ExtractedPackage {
  /** sha512 SRI of the .tgz, as npm's `dist.integrity`. */
  integrity: string;
  /** Every file, sorted by path. */
  files: BundleFile[];
  /** package.json, parsed (a JSON object). */
  packageJson: Record<string, unknown>;
}

/** Files every bundle must carry. */
const REQUIRED_FILES = ['plugin.json', 'package.json', 'dist/plugin.js'];

/**
 * Checks and extracts `tgz` into `destDir`, an existing empty folder the caller created
 * (mode 0700). Throws BundleError (BUNDLE_TOO_LARGE, BUNDLE_INVALID, MANIFEST_INVALID) with
 * every problem found; on any failure `destDir` is left empty.
 *
 * @example
 * ```ts
 * const dir = await mkdtemp(join(tmpdir(), 'bundle-'));
 * const { manifest, integrity, files } = await extractBundle(tgz, dir, DEFAULT_BUNDLE_LIMITS);
 * ```
 */
export async function extractBundle(tgz: Buffer, destDir: string, limits: BundleLimits): Promise<ExtractedBundle> {
  return extractChecked(tgz, destDir, limits, REQUIRED_FILES, async (dest, files) => {
    const manifest = await readManifest(dest);
    const script = files.find((f) => f.path === 'dist/plugin.js');
    return { manifest, integrity: integrityOf(tgz), files, scriptSha256: script!.sha256 };
  });
}

/**
 * The archive rules of {@link extractBundle} (size cap, bounded gunzip, paths, links, entry
 * count, per-file and unpacked sizes, duplicates) for an npm package that is not a plugin:
 * only `package/package.json` is required, and it must be a JSON object. Nothing about
 * plugin.json, scripts or bin is checked. Throws BundleError (BUNDLE_TOO_LARGE,
 * BUNDLE_INVALID); on any failure `destDir` is left empty.
 *
 * @example
 * ```ts
 * const dir = await mkdtemp(join(tmpdir(), 'package-'));
 * const { packageJson, files } = await extractPackage(tgz, dir, { ...DEFAULT_BUNDLE_LIMITS, maxBytes: 40 * 1024 * 1024 });
 * ```
 */
export async function extractPackage(tgz: Buffer, destDir: string, limits: BundleLimits): Promise<ExtractedPackage> {
  return extractChecked(tgz, destDir, limits, ['package.json'], async (dest, files) => {
    const pkg = await readJson(dest, 'package.json');
    if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg)) {
      throw new BundleError('BUNDLE_INVALID', [{ path: 'package/package.json', message: 'must be a JSON object' }]);
    }
    return { integrity: integrityOf(tgz), files, packageJson: pkg as Record<string, unknown> };
  });
}

/** Size cap, pre-scan with `required` files, extraction, tree check, then `read`; empties `destDir` on failure. */
async function extractChecked<T>(
  tgz: Buffer,
  destDir: string,
  limits: BundleLimits,
  required: readonly string[],
  read: (dest: string, files: BundleFile[]) => Promise<T>,
): Promise<T> {
  const dest = await emptyDirectory(destDir);
  if (tgz.length > limits.maxBytes) {
    throw new BundleError('BUNDLE_TOO_LARGE', [
      { path: '', message: `is ${tgz.length} bytes, more than the ${limits.maxBytes}-byte limit` },
    ]);
  }
  const tar = await gunzipBounded(tgz, limits);
  const { entries, problems, complete } = scanTar(tar, limits);
  for (const path of required.map((rel) => `package/${rel}`)) {
    // Reported only when the whole archive was read, and once for a required file refused above.
    if (complete && !entries.some((e) => e.type === 'File' && e.path === path) && !problems.some((p) => p.path === path)) {
      problems.push({ path, message: 'is required' });
    }
  }
  if (problems.length > 0) throw new BundleError('BUNDLE_INVALID', problems);
  try {
    unpack(tar, dest, entries, limits);
    return await read(dest, await verifyTree(dest, entries));
  } catch (err) {
    await clearDirectory(dest);
    throw err;
  }
}

/** Resolves `dir` and insists it is an existing, empty directory (the caller's contract). */
async function emptyDirectory(dir: string): Promise<string> {
  const real = await realpath(dir);
  if (!(await lstat(real)).isDirectory() || (await readdir(real)).length > 0) {
    throw new Error(`extractBundle: ${dir} must be an existing empty directory`);
  }
  return real;
}

async function clearDirectory(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

/**
 * Synchronous on purpose: when it returns, tar has nothing in flight, so a cleanup after a
 * failure cannot race a write. The filter re-checks each entry against the pre-scan; a throw
 * inside a tar filter would crash the process, hence abort-and-refuse.
 */
function unpack(tar: Buffer, dest: string, entries: ScannedEntry[], limits: BundleLimits): void {
  const allowed = new Map(entries.map((e) => [e.path, e]));
  const errors: string[] = [];
  const extractor: UnpackSync = new UnpackSync({
    cwd: dest,
    strip: 1,
    strict: true,
    preservePaths: false,
    preserveOwner: false,
    unlink: true,
    noMtime: true,
    maxDepth: limits.maxDepth,
    filter: (path, entry) => {
      const e = entry as ReadEntry;
      const scanned = allowed.get(path);
      if (!scanned || scanned.type !== e.type || (e.type === 'File' && scanned.size !== e.size)) {
        extractor.abort(new Error(`${path}: not in the pre-scanned entry list`));
        return false;
      }
      allowed.delete(path); // each entry once
      e.mode = e.type === 'Directory' ? 0o755 : 0o644;
      return true;
    },
  });
  extractor.on('error', (err: Error) => errors.push(err.message));
  extractor.on('warn', (code: string, message: string | Error) => errors.push(`${code}: ${String(message)}`));
  extractor.end(tar);
  if (errors.length > 0) {
    throw new BundleError('BUNDLE_INVALID', errors.map((message) => ({ path: '', message: `extraction failed: ${message}` })));
  }
}

/** Walks `dest` without following links; the tree must hold exactly the scanned files. */
async function verifyTree(dest: string, entries: ScannedEntry[]): Promise<BundleFile[]> {
  const expected = new Map(entries.filter((e) => e.type === 'File').map((e) => [e.rel, e]));
  const problems: BundleProblem[] = [];
  const files: BundleFile[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(dest, rel))) {
      const child = rel ? `${rel}/${name}` : name;
      const stat = await lstat(join(dest, child));
      if (stat.isDirectory()) {
        await walk(child);
      } else if (!stat.isFile() || !expected.has(child)) {
        problems.push({ path: `package/${child}`, message: 'appeared on disk but was not a file entry of the archive' });
      } else {
        const bytes = await readFile(join(dest, child));
        const sha256 = sha256Hex(bytes);
        // What landed on disk must be the bytes the strict reader saw in the archive.
        if (bytes.length !== expected.get(child)!.size || sha256 !== expected.get(child)!.sha256) {
          problems.push({ path: `package/${child}`, message: 'differs on disk from its bytes in the archive' });
        }
        files.push({ path: child, size: bytes.length, sha256 });
        expected.delete(child);
      }
    }
  };
  await walk('');
  for (const missing of expected.keys()) problems.push({ path: `package/${missing}`, message: 'was not extracted' });
  if (problems.length > 0) throw new BundleError('BUNDLE_INVALID', problems);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Parses and validates plugin.json, and checks package.json agrees on name and version. */
async function readManifest(dest: string): Promise<PluginManifest> {
  const plugin = await readJson(dest, 'plugin.json');
  const pkg = await readJson(dest, 'package.json');
  const result = validateManifest(plugin);
  if (!result.ok) throw new BundleError('MANIFEST_INVALID', result.problems);
  const { manifest } = result;
  const problems: BundleProblem[] = [];
  const record = typeof pkg === 'object' && pkg !== null && !Array.isArray(pkg) ? (pkg as Record<string, unknown>) : {};
  if (record.name !== manifest.name) {
    problems.push({ path: 'package/package.json', message: `name ${JSON.stringify(record.name)} differs from plugin.json name "${manifest.name}"` });
  }
  if (record.version !== manifest.version) {
    problems.push({ path: 'package/package.json', message: `version ${JSON.stringify(record.version)} differs from plugin.json version "${manifest.version}"` });
  }
  // What registries serve as the version document must say what plugin.json says.
  if (record.dependencies !== undefined && JSON.stringify(sortKeys(record.dependencies)) !== JSON.stringify(sortKeys(manifest.dependencies ?? {}))) {
    problems.push({ path: 'package/package.json', message: 'dependencies differ from plugin.json dependencies' });
  }
  const engines = record.engines as { easel?: unknown } | undefined;
  if (engines?.easel !== undefined && engines.easel !== manifest.engines.easel) {
    problems.push({ path: 'package/package.json', message: `engines.easel ${JSON.stringify(engines.easel)} differs from plugin.json "${manifest.engines.easel}"` });
  }
  // npm tools resolve these fields as paths: none may point outside the package.
  for (const field of ['main', 'module', 'browser', 'types']) {
    const value = record[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !isInsidePackage(value)) {
      problems.push({ path: 'package/package.json', message: `${field} must be a relative path inside the package` });
    }
  }
  if (record.bin !== undefined) problems.push({ path: 'package/package.json', message: 'bin is not allowed in a plugin bundle' });
  if (record.scripts !== undefined) problems.push({ path: 'package/package.json', message: 'scripts are not allowed in a plugin bundle (npm would run install scripts)' });
  if (problems.length > 0) throw new BundleError('BUNDLE_INVALID', problems);
  return manifest;
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function isInsidePackage(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.includes('\0') || /^[a-zA-Z]:/.test(path)) return false;
  return !path.split('/').includes('..');
}

async function readJson(dest: string, rel: string): Promise<unknown> {
  const bytes = await readFile(join(dest, rel));
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new BundleError('BUNDLE_INVALID', [{ path: `package/${rel}`, message: `is not valid UTF-8 JSON: ${(err as Error).message}` }]);
  }
}
