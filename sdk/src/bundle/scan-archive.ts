/**
 * Pre-scan of a bundle, entirely in memory and before anything touches the disk: bounded
 * gunzip (gzip bombs), then every tar entry checked against the archive rules. All problems
 * are collected so the author sees everything wrong at once.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { BundleError, type BundleProblem } from './errors.ts';
import type { BundleLimits } from './limits.ts';

const gunzipAsync = promisify(gunzip);

/** One accepted entry: `path` as in the archive, `rel` without `package/` or a trailing slash. */
export interface ScannedEntry {
  path: string;
  rel: string;
  type: 'File' | 'Directory';
  size: number;
}

// Past this many findings the archive is plainly hostile; stop reading it.
const MAX_PROBLEMS = 100;
// Tar framing around the file bytes: header, pax header and body, padding (per entry), end blocks.
const TAR_OVERHEAD_PER_ENTRY = 2048;
const TAR_OVERHEAD_FIXED = 10_240;

/**
 * Decompresses `tgz`, refusing to produce more than the limits allow. Throws BundleError
 * BUNDLE_INVALID when it is not gzip or inflates past the cap.
 */
export async function gunzipBounded(tgz: Buffer, limits: BundleLimits): Promise<Buffer> {
  if (tgz.length < 2 || tgz[0] !== 0x1f || tgz[1] !== 0x8b) {
    throw new BundleError('BUNDLE_INVALID', [{ path: '', message: 'is not a gzip file' }]);
  }
  const cap = limits.maxUnpackedBytes + limits.maxEntries * TAR_OVERHEAD_PER_ENTRY + TAR_OVERHEAD_FIXED;
  try {
    return await gunzipAsync(tgz, { maxOutputLength: cap });
  } catch (err) {
    const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    const message = tooBig
      ? `decompresses to more than ${cap} bytes (limit on unpacked size plus tar framing)`
      : `is not a valid gzip stream: ${(err as Error).message}`;
    throw new BundleError('BUNDLE_INVALID', [{ path: '', message }]);
  }
}

export interface TarScan {
  entries: ScannedEntry[];
  problems: BundleProblem[];
  /** False when the archive could not be read to its end (corrupt, truncated, or reading stopped). */
  complete: boolean;
}

/** Checks every entry of an uncompressed tar; returns accepted entries and all problems. */
export function scanTar(tar: Buffer, limits: BundleLimits): TarScan {
  const problems: BundleProblem[] = [];
  const entries: ScannedEntry[] = [];
  const byKey = new Map<string, ScannedEntry>();
  let count = 0;
  let total = 0;
  let ended = false;
  let stopped = false;
  let unreadable = false;

  const parser = new Parser({ strict: false });
  const stop = () => {
    stopped = true;
    parser.abort(new Error('archive refused'));
  };
  const add = (path: string, message: string) => {
    if (stopped) return;
    problems.push({ path, message });
    if (problems.length >= MAX_PROBLEMS) {
      problems.push({ path: '', message: 'too many problems; the rest of the archive was not read' });
      stop();
    }
  };

  // A corrupt header's path is garbage, so only a parsed entry's path is reported.
  parser.on('warn', (code: string, message: string | Error, data: { entry?: ReadEntry }) => {
    unreadable = true;
    add(data?.entry?.path ?? '', `unreadable tar data (${code}): ${String(message)}`);
  });
  parser.on('error', (err: Error) => {
    unreadable = true;
    if (!stopped) add('', `unreadable tar data: ${err.message}`);
  });
  parser.on('ignoredEntry', (entry: ReadEntry) => add(entry.path, `has an unsupported entry type (${entry.type})`));
  parser.on('end', () => {
    ended = true;
  });
  parser.on('entry', (entry: ReadEntry) => {
    entry.resume(); // the bytes are not needed here, only the header
    if (stopped) return;
    if (++count > limits.maxEntries) {
      add('', `has more than ${limits.maxEntries} entries`);
      return stop();
    }
    const problem = entryProblem(entry, limits);
    if (problem) return add(entry.path, problem);
    const type = entry.type as 'File' | 'Directory';
    const rel = entry.path.replace(/\/$/, '').split('/').slice(1).join('/');
    const accepted: ScannedEntry = { path: entry.path, rel, type, size: type === 'File' ? entry.size : 0 };
    const key = foldKey(rel);
    const first = byKey.get(key);
    if (first) return add(entry.path, `duplicates ${first.path} (names are compared after NFC normalisation and case folding)`);
    byKey.set(key, accepted);
    if (type === 'File') {
      total += accepted.size;
      if (total > limits.maxUnpackedBytes) {
        add('', `unpacks to more than ${limits.maxUnpackedBytes} bytes`);
        return stop();
      }
    }
    entries.push(accepted);
  });

  parser.end(tar);
  if (!ended && !stopped) {
    unreadable = true;
    add('', 'the tar archive ended early');
  }

  // A file used as a directory (`a` then `a/b`) would make extraction fail half-way.
  for (const e of entries) {
    const parts = foldKey(e.rel).split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = byKey.get(parts.slice(0, i).join('/'));
      if (parent?.type === 'File') add(e.path, `is inside ${parent.path}, which is a file`);
    }
  }
  return { entries, problems, complete: !unreadable && !stopped };
}

/** Why one entry is refused, or undefined when it is acceptable. */
function entryProblem(entry: ReadEntry, limits: BundleLimits): string | undefined {
  const { path, type } = entry;
  if (type !== 'File' && type !== 'Directory') return `is a ${type} entry; only files and directories are allowed`;
  if (path.includes('\0')) return 'contains a NUL character';
  if (/[\x00-\x1f\x7f]/.test(path)) return 'contains a control character';
  if (path.includes('\\')) return 'contains a backslash';
  if (path.includes(':')) return 'contains ":"';
  if (path.startsWith('/')) return 'is an absolute path';
  if (type === 'File' && path.endsWith('/')) return 'is a file whose name ends with "/"';
  const segments = (type === 'Directory' ? path.replace(/\/$/, '') : path).split('/');
  if (segments.includes('..')) return 'contains a ".." segment';
  if (segments.some((s) => s === '' || s === '.')) return 'is not a normalised path (empty or "." segment)';
  if (segments[0] !== 'package') return 'is not under package/';
  if (segments.length === 1 && type === 'File') return 'package must be a directory';
  if (segments.length > limits.maxDepth) return `is nested deeper than ${limits.maxDepth} levels`;
  if (type === 'File' && entry.size > limits.maxFileBytes) {
    return `is ${entry.size} bytes, more than the ${limits.maxFileBytes}-byte limit per file`;
  }
  return undefined;
}

/** Folds a path so names that collide on case-insensitive or normalising file systems match. */
function foldKey(rel: string): string {
  // toUpperCase().toLowerCase() approximates full case folding (ß -> SS -> ss).
  return rel.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC');
}
