/**
 * Pre-scan of a bundle, entirely in memory and before anything touches the disk: the exact
 * gzip member (bounded: gzip bombs), then every tar block read by the strict reader and
 * every entry checked against the archive rules. All problems are collected so the author
 * sees everything wrong at once.
 *
 * The rule: an archive holds only what a bundle needs, regular files and directories with
 * ordinary permissions under `package/`, each path once, and nothing before, after or
 * beside the archive, so the bytes `integrity` covers are exactly what is extracted.
 */
import type { BundleProblem } from './errors.ts';
import { gunzipExact } from './gzip-member.ts';
import { sha256Hex } from './integrity.ts';
import type { BundleLimits } from './limits.ts';
import { walkTar, type TarItem } from './tar-reader.ts';

/** One accepted entry: `path` as in the archive, `rel` without `package/` or a trailing slash. */
export interface ScannedEntry {
  path: string;
  rel: string;
  type: 'File' | 'Directory';
  size: number;
  /** Hex sha256 of the file's bytes in the archive ('' for a directory): extraction must reproduce it. */
  sha256: string;
}

// Past this many findings the archive is plainly hostile; stop reading it.
const MAX_PROBLEMS = 100;
// Tar framing around the file bytes: header, pax header and body, padding (per entry), end blocks.
const TAR_OVERHEAD_PER_ENTRY = 2048;
const TAR_OVERHEAD_FIXED = 10_240;

/**
 * Decompresses `tgz`, which must be exactly one gzip member, refusing to produce more than
 * the limits allow. Throws BundleError BUNDLE_INVALID when it is not, or inflates past the cap.
 */
export async function gunzipBounded(tgz: Buffer, limits: BundleLimits): Promise<Buffer> {
  const cap = limits.maxUnpackedBytes + limits.maxEntries * TAR_OVERHEAD_PER_ENTRY + TAR_OVERHEAD_FIXED;
  return gunzipExact(tgz, cap);
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
  let complete = false;
  let full = false;

  const add = (path: string, message: string) => {
    if (full) return;
    problems.push({ path, message });
    if (problems.length >= MAX_PROBLEMS) {
      problems.push({ path: '', message: 'too many problems; the rest of the archive was not read' });
      full = true;
    }
  };

  for (const step of walkTar(tar)) {
    if (step.kind === 'end') {
      complete = true;
      break;
    }
    if (step.kind === 'fault') {
      add(step.fault.path, step.fault.message);
      break;
    }
    const entry = step.item;
    if (++count > limits.maxEntries) {
      add('', `has more than ${limits.maxEntries} entries`);
      break;
    }
    const problem = entryProblem(entry, limits);
    if (problem) add(entry.path, problem);
    else checkEntry(entry);
    if (full) break;
    if (total > limits.maxUnpackedBytes) {
      add('', `unpacks to more than ${limits.maxUnpackedBytes} bytes`);
      break;
    }
  }

  function checkEntry(entry: TarItem): void {
    const type = entry.type as 'File' | 'Directory';
    const rel = entry.path.replace(/\/$/, '').split('/').slice(1).join('/');
    const accepted: ScannedEntry = { path: entry.path, rel, type, size: type === 'File' ? entry.size : 0, sha256: type === 'File' ? sha256Hex(entry.body) : '' };
    const key = foldKey(rel);
    const first = byKey.get(key);
    if (first) return add(entry.path, `duplicates ${first.path} (names are compared after NFC normalisation and case folding)`);
    byKey.set(key, accepted);
    total += accepted.size;
    entries.push(accepted);
  }

  // A file used as a directory (`a` then `a/b`) would make extraction fail half-way.
  for (const e of entries) {
    const parts = foldKey(e.rel).split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = byKey.get(parts.slice(0, i).join('/'));
      if (parent?.type === 'File') add(e.path, `is inside ${parent.path}, which is a file`);
    }
  }
  return { entries, problems, complete: complete && !full };
}

/** Why one entry is refused (its type, its header, its path), or undefined when it is acceptable. */
function entryProblem(entry: TarItem, limits: BundleLimits): string | undefined {
  const { type } = entry;
  if (type !== 'File' && type !== 'Directory') return `is a ${type} entry; only files and directories are allowed`;
  const found = [...entry.problems, pathProblem(entry, limits)].filter((p) => p !== undefined);
  return found.length > 0 ? found.join('; ') : undefined;
}

function pathProblem(entry: TarItem, limits: BundleLimits): string | undefined {
  const { path, type } = entry;
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
