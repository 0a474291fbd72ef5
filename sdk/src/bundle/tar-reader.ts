/**
 * A strict reader of POSIX ustar archives, for bundles: it walks the 512-byte blocks itself
 * and accepts only what a bundle needs, so that it sees exactly what node-tar (which
 * extracts) and other tar tools would see. Regular files and directories, each optionally
 * preceded by one pax extended header that names a long path; checksums that verify; string
 * fields that end in NULs; body padding of zeros; two zero blocks at the end and nothing but
 * zeros after them. Everything else is reported, never skipped.
 */

/** One entry as the archive declares it. `path` is the pax path when there is one. */
export interface TarItem {
  /** Byte offset of the entry's first header (its pax header when it has one). */
  offset: number;
  path: string;
  /** node-tar's name for the type flag: File, Directory, SymbolicLink, Link, FIFO, ... */
  type: string;
  mode: number;
  size: number;
  /** The file's bytes (empty for other types). */
  body: Buffer;
  /** Why this entry is refused, when it is (its header is readable; the walk goes on). */
  problems: string[];
}

/** The walk stopped: the archive cannot be read past `offset`. */
export interface TarFault {
  offset: number;
  /** The entry the fault belongs to, when one was read; '' for the archive. */
  path: string;
  message: string;
}

export type TarStep = { kind: 'item'; item: TarItem } | { kind: 'fault'; fault: TarFault } | { kind: 'end' };

const BLOCK = 512;

// ustar header fields: offset and length.
const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
  // When byte 475 is NUL, node-tar reads a 130-byte prefix and atime and ctime after it.
  shortPrefix: [345, 130],
  atime: [476, 12],
  ctime: [488, 12],
  pad: [500, 12],
} as const satisfies Record<string, readonly [number, number]>;

/** node-tar's names for the type flags (types.js); '\0' is an old-style regular file. */
const TYPE_NAMES: Record<string, string> = {
  '0': 'File',
  '\0': 'File',
  '1': 'Link',
  '2': 'SymbolicLink',
  '3': 'CharacterDevice',
  '4': 'BlockDevice',
  '5': 'Directory',
  '6': 'FIFO',
  '7': 'ContiguousFile',
  g: 'GlobalExtendedHeader',
  x: 'ExtendedHeader',
  A: 'SolarisACL',
  D: 'GNUDumpDir',
  I: 'Inode',
  K: 'NextFileHasLongLinkpath',
  L: 'NextFileHasLongPath',
  M: 'ContinuationFile',
  N: 'OldGnuLongPath',
  S: 'SparseFile',
  V: 'TapeVolumeHeader',
  X: 'OldExtendedHeader',
};

/** Largest pax extended header body: a long path and a few numbers need far less. */
export const MAX_PAX_BYTES = 64 * 1024;
/**
 * Pax keys a bundle may carry: `path` (names longer than ustar holds, or not ASCII), `size`
 * (only equal to the header's) and metadata that extraction ignores (times, owners, and the
 * inode numbers node-tar writes outside portable mode). Anything else (linkpath, charset,
 * hdrcharset, comment, xattrs, GNU sparse maps, vendor keys) changes how tools read the entry.
 */
const PAX_KEYS = new Set(['path', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname', 'SCHILY.dev', 'SCHILY.ino', 'SCHILY.nlink']);
const PAX_NUMBERS = new Set(['size', 'uid', 'gid', 'SCHILY.dev', 'SCHILY.ino', 'SCHILY.nlink']);
const PAX_TIMES = new Set(['mtime', 'atime', 'ctime']);

/**
 * Permission bits an entry may have: read, write and execute for the owner and the group,
 * read and execute for others. Setuid, setgid, sticky, file-type bits and world-write are
 * refused (extraction then sets 0644 and 0755 whatever the archive said).
 */
export const ALLOWED_MODE_BITS = 0o775;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Walks `tar` block by block. Yields every entry (with its problems), then either `end`
 * (two zero blocks followed only by zeros) or one `fault` after which nothing is read.
 *
 * @example
 * ```ts
 * for (const step of walkTar(tar)) if (step.kind === 'item') console.log(step.item.path);
 * ```
 */
export function* walkTar(tar: Buffer): Generator<TarStep> {
  let offset = 0;
  // A pax header waiting for its entry.
  let pending: { offset: number; records: Map<string, string>; problems: string[] } | undefined;
  const fault = (message: string, path = ''): TarStep => ({ kind: 'fault', fault: { offset, path, message } });

  for (;;) {
    if (offset + BLOCK > tar.length) {
      yield fault(offset === tar.length ? 'ends without the two zero blocks that end a tar archive' : 'ends inside a header block (truncated)');
      return;
    }
    const block = tar.subarray(offset, offset + BLOCK);
    if (isZero(block)) {
      if (pending) {
        yield fault('ends with a pax extended header that no entry follows');
        return;
      }
      const second = tar.subarray(offset + BLOCK, offset + 2 * BLOCK);
      if (second.length < BLOCK) {
        yield fault('ends after one zero block; a tar archive ends with two');
        return;
      }
      if (!isZero(second)) {
        yield fault('has a zero block in the middle of the archive, before more entries');
        return;
      }
      const rest = tar.subarray(offset + 2 * BLOCK);
      if (!isZero(rest)) {
        offset += 2 * BLOCK + rest.findIndex((b) => b !== 0);
        yield fault('has data after its end-of-archive blocks (a bundle is exactly one archive; only zero padding may follow)');
        return;
      }
      yield { kind: 'end' };
      return;
    }

    const header = readHeader(block);
    if ('unreadable' in header) {
      yield fault(header.unreadable, header.path);
      return;
    }
    const bodyEnd = offset + BLOCK + header.size;
    const next = offset + BLOCK + Math.ceil(header.size / BLOCK) * BLOCK;
    if (next > tar.length) {
      yield fault(`ends inside the data of an entry that declares ${header.size} bytes (truncated, or its size field is wrong)`, header.name);
      return;
    }
    const body = tar.subarray(offset + BLOCK, bodyEnd);
    const paddingClean = isZero(tar.subarray(bodyEnd, next));

    if (header.typeflag === 'x') {
      const problems: string[] = [...header.problems];
      if (pending) problems.push('has two pax extended headers in a row');
      if (!paddingClean) problems.push('has non-zero bytes in the padding after its pax extended header');
      const records = new Map<string, string>();
      if (header.size > MAX_PAX_BYTES) problems.push(`has a pax extended header of ${header.size} bytes, more than ${MAX_PAX_BYTES}`);
      else parsePax(body, records, problems);
      // As node-tar does, a second header's records are merged over the first's (refused anyway).
      pending = { offset: pending?.offset ?? offset, records: new Map([...(pending?.records ?? []), ...records]), problems: [...(pending?.problems ?? []), ...problems] };
      offset = next;
      continue;
    }

    const type = TYPE_NAMES[header.typeflag] ?? `unknown (type flag ${JSON.stringify(header.typeflag)})`;
    const problems: string[] = [...(pending?.problems ?? []), ...header.problems];
    let path = header.ustarPath;
    const pax = pending?.records;
    if (pax) {
      const paxPath = pax.get('path');
      if (paxPath !== undefined) path = paxPath;
      const paxSize = pax.get('size');
      if (paxSize !== undefined && Number(paxSize) !== header.size) {
        problems.push(`has a pax size of ${paxSize} bytes and a header size of ${header.size}; they must agree`);
      }
    }
    if (path === undefined) problems.push('has a name that is not valid UTF-8');
    if (type === 'File' || type === 'Directory') {
      if (header.linkname !== '') problems.push('carries a link name; only links have one, and links are not allowed');
      if (header.devmajor !== 0 || header.devminor !== 0) problems.push('carries device numbers; only devices have them, and devices are not allowed');
      if ((header.mode & ~ALLOWED_MODE_BITS) !== 0) {
        problems.push(`has mode ${header.mode.toString(8).padStart(4, '0')}; setuid, setgid, sticky, file-type and world-write bits are not allowed`);
      }
      if (type === 'Directory' && header.size !== 0) problems.push(`is a directory that declares ${header.size} bytes of data`);
      if (!paddingClean) problems.push('has non-zero bytes in the padding after its data');
    }
    yield {
      kind: 'item',
      item: { offset: pending?.offset ?? offset, path: path ?? header.name, type, mode: header.mode, size: header.size, body: type === 'File' ? body : Buffer.alloc(0), problems },
    };
    pending = undefined;
    offset = next;
  }
}

interface Header {
  /** The raw name field (for messages when the full path cannot be read). */
  name: string;
  /** prefix/name as node-tar joins them; undefined when not valid UTF-8. */
  ustarPath: string | undefined;
  typeflag: string;
  mode: number;
  size: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Malformed fields that do not stop the walk. */
  problems: string[];
}

/**
 * Parses one non-zero header block, or says why the archive cannot be read on (with the
 * entry's name once the checksum vouches for it).
 */
function readHeader(block: Buffer): Header | { unreadable: string; path: string } {
  const field = ([start, length]: readonly [number, number]) => block.subarray(start, start + length);
  const name = latin1Field(field(F.name));
  const chksum = octal(field(F.chksum));
  if (chksum === undefined) return { unreadable: 'has a header with a malformed checksum field (not a tar archive, or corrupt)', path: '' };
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < F.chksum[0] || i >= F.chksum[0] + F.chksum[1]) sum += block[i]!;
  if (sum !== chksum) return { unreadable: `has a header whose checksum does not match (at entry ${JSON.stringify(name)}; corrupt or forged)`, path: '' };
  if (field(F.magic).toString('latin1') !== 'ustar\0' || field(F.version).toString('latin1') !== '00') {
    return { unreadable: 'has a header that is not POSIX ustar (GNU and v7 tar formats are not accepted)', path: name };
  }
  const size = octal(field(F.size));
  if (size === undefined) return { unreadable: 'has a malformed size field (base-256 or not octal)', path: name };

  const problems: string[] = [];
  const numbers = { mode: F.mode, uid: F.uid, gid: F.gid, mtime: F.mtime, devmajor: F.devmajor, devminor: F.devminor };
  const value: Record<string, number> = {};
  for (const [key, at] of Object.entries(numbers)) {
    const n = octal(field(at));
    if (n === undefined) problems.push(`has a malformed ${key} field`);
    value[key] = n ?? 0;
  }
  const longPrefix = block[475] !== 0;
  const strings = { name: F.name, linkname: F.linkname, uname: F.uname, gname: F.gname, prefix: longPrefix ? F.prefix : F.shortPrefix };
  for (const [key, at] of Object.entries(strings)) {
    if (!endsClean(field(at))) problems.push(`has bytes after the end of its ${key} field`);
  }
  if (!longPrefix) {
    for (const [key, at] of Object.entries({ atime: F.atime, ctime: F.ctime })) if (octal(field(at)) === undefined) problems.push(`has a malformed ${key} field`);
  }
  if (!isZero(field(F.pad))) problems.push('has bytes in the unused end of its header');
  const prefix = utf8Field(field(longPrefix ? F.prefix : F.shortPrefix));
  const base = utf8Field(field(F.name));
  const ustarPath = prefix === undefined || base === undefined ? undefined : prefix ? `${prefix}/${base}` : base;
  return {
    name,
    ustarPath,
    typeflag: String.fromCharCode(block[F.typeflag[0]]!),
    mode: value.mode!,
    size,
    linkname: latin1Field(field(F.linkname)),
    devmajor: value.devmajor!,
    devminor: value.devminor!,
    problems,
  };
}

/** pax records `<length> <key>=<value>\n`, each length counting its whole record. */
function parsePax(body: Buffer, records: Map<string, string>, problems: string[]): void {
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const digits = space < 0 ? '' : body.subarray(at, space).toString('latin1');
    const length = /^[1-9][0-9]{0,7}$/.test(digits) ? Number(digits) : NaN;
    if (!(length > 0) || at + length > body.length || body[at + length - 1] !== 0x0a) {
      problems.push('has a malformed pax extended header');
      return;
    }
    let text: string;
    try {
      text = utf8.decode(body.subarray(space + 1, at + length - 1));
    } catch {
      problems.push('has a pax record that is not valid UTF-8');
      return;
    }
    at += length;
    const eq = text.indexOf('=');
    const key = eq < 0 ? '' : text.slice(0, eq);
    const value = text.slice(eq + 1);
    if (key === '') {
      problems.push('has a malformed pax extended header');
      return;
    }
    if (!PAX_KEYS.has(key)) {
      problems.push(`has a pax record ${JSON.stringify(key)}; only path, size and times or owners are allowed`);
      continue;
    }
    if (records.has(key)) problems.push(`has the pax record ${JSON.stringify(key)} twice`);
    // Values may not hold newlines or NULs: node-tar splits records on newlines.
    if (/[\n\0]/.test(value)) problems.push(`has a pax ${key} with a newline or NUL in it`);
    else if (PAX_NUMBERS.has(key) && !/^(0|[1-9][0-9]{0,15})$/.test(value)) problems.push(`has a malformed pax ${key}`);
    else if (PAX_TIMES.has(key) && !/^-?[0-9]{1,16}(\.[0-9]{1,9})?$/.test(value)) problems.push(`has a malformed pax ${key}`);
    records.set(key, value);
  }
}

/** An octal number field: optional leading spaces, digits, then spaces or NULs; empty is 0. */
function octal(field: Buffer): number | undefined {
  const text = field.toString('latin1');
  const match = /^ *([0-7]*)[ \0]*$/.exec(text);
  if (!match) return undefined; // base-256 (high bit set) and any other byte land here
  return match[1] === '' ? 0 : parseInt(match[1]!, 8);
}

/** A NUL-terminated string field: nothing but NULs after the first NUL. */
function endsClean(field: Buffer): boolean {
  const nul = field.indexOf(0);
  return nul < 0 || isZero(field.subarray(nul));
}

function latin1Field(field: Buffer): string {
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? field.length : nul).toString('latin1');
}

function utf8Field(field: Buffer): string | undefined {
  const nul = field.indexOf(0);
  try {
    return utf8.decode(field.subarray(0, nul < 0 ? field.length : nul));
  } catch {
    return undefined;
  }
}

function isZero(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0) return false;
  return true;
}
