/**
 * A bundle's gzip layer, read exactly: one gzip member that starts at the first byte and
 * ends at the last, with no optional header fields. zlib alone would accept more (a second
 * member concatenated after the first, trailing zero bytes), and then the bytes that
 * `integrity` covers would not be only the archive that is extracted.
 */
import { createInflateRaw, crc32 } from 'node:zlib';
import { BundleError } from './errors.ts';

const FTEXT = 0x01;
// FHCRC 0x02, FEXTRA 0x04, FNAME 0x08, FCOMMENT 0x10: data beside the archive; 0xe0 reserved.
const HEADER_BYTES = 10;
const TRAILER_BYTES = 8;

function refuse(message: string): never {
  throw new BundleError('BUNDLE_INVALID', [{ path: '', message }]);
}

/**
 * The tar inside `tgz`, or BundleError BUNDLE_INVALID when `tgz` is not exactly one gzip
 * member (bad header, optional header fields, bad CRC or length, bytes after the member)
 * or when it inflates to more than `cap` bytes (gzip bombs: inflation stops at the cap).
 *
 * @example
 * ```ts
 * const tar = await gunzipExact(tgz, 64 * 1024 * 1024);
 * ```
 */
export async function gunzipExact(tgz: Buffer, cap: number): Promise<Buffer> {
  if (tgz.length < HEADER_BYTES + TRAILER_BYTES || tgz[0] !== 0x1f || tgz[1] !== 0x8b) refuse('is not a gzip file');
  if (tgz[2] !== 8) refuse(`uses gzip compression method ${tgz[2]}, not deflate`);
  const flags = tgz[3]!;
  if ((flags & ~FTEXT) !== 0) {
    refuse(`has optional gzip header fields (flags 0x${flags.toString(16)}: a name, comment, extra field or header CRC); a bundle carries nothing beside its archive`);
  }
  const { tar, consumed } = await inflateRaw(tgz.subarray(HEADER_BYTES), cap);
  const end = HEADER_BYTES + consumed + TRAILER_BYTES;
  if (end > tgz.length) refuse('is not a valid gzip stream: it ends inside its trailer');
  if (tgz.readUInt32LE(end - 8) !== crc32(tar)) refuse('is not a valid gzip stream: the CRC of the data does not match');
  if (tgz.readUInt32LE(end - 4) !== tar.length % 2 ** 32) refuse('is not a valid gzip stream: the length in its trailer does not match');
  if (end !== tgz.length) {
    refuse(`has ${tgz.length - end} bytes after the end of its gzip stream (another gzip member or trailing data); a bundle is exactly one gzip member`);
  }
  return tar;
}

/** Inflates a raw deflate stream; reports the output and how many input bytes it used. */
function inflateRaw(deflated: Buffer, cap: number): Promise<{ tar: Buffer; consumed: number }> {
  return new Promise((resolve, reject) => {
    const inflater = createInflateRaw();
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (message: string) => reject(new BundleError('BUNDLE_INVALID', [{ path: '', message }]));
    inflater.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) {
        inflater.destroy();
        fail(`decompresses to more than ${cap} bytes (limit on unpacked size plus tar framing)`);
        return;
      }
      chunks.push(chunk);
    });
    inflater.on('error', (err: Error) => fail(`is not a valid gzip stream: ${err.message}`));
    // bytesWritten: the input bytes zlib consumed, which stops at the end of the deflate stream.
    inflater.on('end', () => resolve({ tar: Buffer.concat(chunks, size), consumed: inflater.bytesWritten }));
    inflater.end(deflated);
  });
}
