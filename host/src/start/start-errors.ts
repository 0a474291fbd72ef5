/**
 * What went wrong at start, as one line that says how to fix it: the port is taken, the data
 * folder cannot be written, the catalog or the database is not usable. Anything else is
 * unexpected (a bug): its stack is worth showing.
 */
import { StoreSchemaError, StoreStartError } from '../store/index.ts';
import { CatalogError } from '../models/index.ts';

export interface StartContext {
  host: string;
  port: number;
  dataDir: string;
  /** A live pid in `<dataDir>/host.pid`: probably the host that holds the port. */
  runningPid?: number;
}

export interface StartFailure {
  /** One line, without the `easel: ` prefix. */
  line: string;
  /** False for errors no fix is known for: print the stack as well. */
  expected: boolean;
}

const FOLDER_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EEXIST: 'a file of that name is in the way',
  EISDIR: 'a folder is where a file should be',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  SQLITE_CANTOPEN: 'SQLite cannot open its database file there',
  SQLITE_READONLY: 'SQLite can only read its database file there',
  SQLITE_PERM: 'permission denied',
  SQLITE_FULL: 'the disk is full',
  SQLITE_IOERR: 'a disk error',
};

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

export function describeStartFailure(error: unknown, ctx: StartContext): StartFailure {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  const where = `port ${ctx.port} on ${ctx.host}`;
  if (error instanceof CatalogError) return { line: `the model catalog is invalid: ${message}`, expected: true };
  if (error instanceof StoreSchemaError || error instanceof StoreStartError) return { line: message, expected: true };
  const syscall = (error as { syscall?: unknown }).syscall;
  if (code === 'EADDRINUSE') {
    const ours = ctx.runningPid === undefined ? '' : ` (the host started from ${ctx.dataDir} is running as pid ${ctx.runningPid}: ./run stop stops it)`;
    return { line: `${where} is in use${ours}; stop the other process or set EASEL_PORT`, expected: true };
  }
  if (code === 'EACCES' && syscall === 'listen') return { line: `no permission to listen on ${where}; set EASEL_PORT to a port above 1023`, expected: true };
  if (code === 'EADDRNOTAVAIL' || (code === 'ENOTFOUND' && syscall === 'getaddrinfo')) {
    return { line: `cannot listen on ${ctx.host}: no such address on this machine; set EASEL_HOST (127.0.0.1 for this machine only, 0.0.0.0 for every interface)`, expected: true };
  }
  // SQLite's extended codes (SQLITE_READONLY_DBMOVED, SQLITE_IOERR_FSYNC) refine a primary one.
  const problem = Object.entries(FOLDER_PROBLEMS).find(([c]) => code === c || code?.startsWith(`${c}_`))?.[1];
  const path = (error as { path?: unknown }).path;
  // fs errors name their path; SQLite's name none, and only ever concern the data folder.
  if (problem && (code?.startsWith('SQLITE_') || (typeof path === 'string' && isWithin(path, ctx.dataDir)))) {
    const at = typeof path === 'string' && path !== ctx.dataDir ? ` (at ${path})` : '';
    return { line: `cannot use the data folder ${ctx.dataDir}: ${problem}${at}; make it a folder this user can write, or set EASEL_DATA_DIR to one`, expected: true };
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return { line: `the database in ${ctx.dataDir} is damaged or not an Easel database (${message}); restore a backup, or set EASEL_DATA_DIR to another folder`, expected: true };
  }
  return { line: `the host failed to start: ${message}`, expected: false };
}

/** True when `path` is `dir` or inside it; also for a parent of `dir` (mkdir of a missing parent). */
function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`) || dir.startsWith(`${path}/`);
}
