/**
 * Writes tar archives byte by byte from a list of entries, so the output depends on nothing
 * but the entries (no file system metadata, no clock, no user names).
 */
import { Header, type HeaderData } from 'tar';

/** One archive entry. `data` is the file body; other types carry none. */
export interface TarEntry {
  path: string;
  type?: NonNullable<HeaderData['type']>;
  mode?: number;
  data?: Uint8Array;
  linkpath?: string;
  /** Declared size when it must differ from `data` (only hostile test archives want this). */
  size?: number;
  mtime?: Date;
}

/** npm's fixed timestamp for reproducible tarballs (1985-10-26T08:15:00Z). */
export const FIXED_MTIME = new Date('1985-10-26T08:15:00.000Z');

/** The 512-byte ustar header of `entry`. Throws when the path needs a pax header. */
export function tarHeader(entry: TarEntry): Buffer {
  const type = entry.type ?? 'File';
  const header = new Header({
    path: entry.path,
    type,
    mode: entry.mode ?? (type === 'Directory' ? 0o755 : 0o644),
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    size: entry.size ?? entry.data?.length ?? 0,
    mtime: entry.mtime ?? FIXED_MTIME,
    linkpath: entry.linkpath,
  });
  const block = Buffer.alloc(512);
  if (header.encode(block, 0)) throw new Error(`tar path needs a pax header, which we do not write: ${entry.path}`);
  return block;
}

/** Zero padding that ends a body of `size` bytes on a 512-byte boundary. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

/** The two zero blocks that end an archive. */
export const TAR_END = Buffer.alloc(1024);

/** A whole uncompressed tar archive with the entries in the given order. */
export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(tarHeader(entry));
    if (entry.data && entry.data.length > 0) {
      parts.push(Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength), tarPadding(entry.data.length));
    }
  }
  parts.push(TAR_END);
  return Buffer.concat(parts);
}
