/**
 * Byte fields in plugin inputs. A top-level input property declared
 * `{ "type": "string", "contentEncoding": "base64" }` carries bytes: apps send base64 (or a
 * `data:` URL) in JSON, or the raw file in a multipart upload to a plugin route, and the
 * handler receives a Uint8Array — the bytes cross into the isolate as a copy, never as
 * base64 in the input JSON. With `contentMediaType` `image/*`, `image/png` or `image/jpeg`
 * the host checks the bytes really are such an image before the call starts.
 */
import { createHash } from 'node:crypto';
import type { Problem } from './index.ts';

export interface BinaryField {
  name: string;
  /** From the schema's maxLength (base64 characters), as bytes. */
  maxBytes?: number;
  mediaType?: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_URL = /^data:([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)?(;[a-z0-9-]+=[^;,]*)*;base64,/i;
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];

/** The byte fields a JSON Schema declares on its top-level object. */
export function binaryFieldsOf(schema: unknown): BinaryField[] {
  const properties = (schema as { properties?: unknown } | null)?.properties;
  if (properties === null || typeof properties !== 'object') return [];
  const fields: BinaryField[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    const p = raw as { type?: unknown; contentEncoding?: unknown; contentMediaType?: unknown; maxLength?: unknown } | null;
    if (p === null || typeof p !== 'object' || p.type !== 'string' || p.contentEncoding !== 'base64') continue;
    fields.push({
      name,
      ...(typeof p.maxLength === 'number' ? { maxBytes: Math.floor((p.maxLength * 3) / 4) } : {}),
      ...(typeof p.contentMediaType === 'string' ? { mediaType: p.contentMediaType.toLowerCase() } : {}),
    });
  }
  return fields;
}

/** The image type the bytes start like, if PNG or JPEG. */
export function sniffImage(bytes: Uint8Array): 'image/png' | 'image/jpeg' | undefined {
  const starts = (magic: number[]) => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
  return starts(PNG) ? 'image/png' : starts(JPEG) ? 'image/jpeg' : undefined;
}

/** Whether `bytes` may fill a field declared with `mediaType` (only image types are checked). */
function mediaProblem(mediaType: string | undefined, bytes: Uint8Array): string | undefined {
  if (mediaType === undefined || !mediaType.startsWith('image/')) return undefined;
  const found = sniffImage(bytes);
  if (mediaType === 'image/*' ? found === undefined : found !== mediaType) {
    return mediaType === 'image/*' ? 'is not a PNG or JPEG image' : `is not a ${mediaType} image`;
  }
  return undefined;
}

export interface SplitInput {
  /** The input with byte fields as base64 text: what the schema validates. */
  forSchema: unknown;
  /** The input without its byte fields: what crosses into the isolate as JSON. */
  json: unknown;
  /** The input as recorded on the execution: byte fields summarized, not stored. */
  recorded: unknown;
  bytes: Record<string, Buffer>;
  problems: Problem[];
}

/**
 * Decodes the byte fields of `input` (base64 text, a `data:` URL, or bytes a multipart upload
 * delivered) and checks their size and media type. Fields that are not text or bytes are left
 * for the schema to refuse.
 */
export function splitBinaryInput(input: unknown, fields: readonly BinaryField[]): SplitInput {
  const none: SplitInput = { forSchema: input, json: input, recorded: input, bytes: {}, problems: [] };
  if (fields.length === 0 || input === null || typeof input !== 'object' || Array.isArray(input)) return none;
  const source = input as Record<string, unknown>;
  const forSchema: Record<string, unknown> = { ...source };
  const json: Record<string, unknown> = { ...source };
  const recorded: Record<string, unknown> = { ...source };
  const bytes: Record<string, Buffer> = {};
  const problems: Problem[] = [];
  for (const field of fields) {
    if (!Object.hasOwn(source, field.name)) continue;
    const value = source[field.name];
    let decoded: Buffer | undefined;
    if (value instanceof Uint8Array) {
      decoded = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      forSchema[field.name] = decoded.toString('base64');
    } else if (typeof value === 'string') {
      const text = value.replace(DATA_URL, '');
      if (text.length % 4 !== 0 || !BASE64.test(text)) {
        problems.push({ path: `/${field.name}`, message: 'must be base64 (or a data: URL with base64)' });
        continue;
      }
      forSchema[field.name] = text;
      decoded = Buffer.from(text, 'base64');
    } else continue;
    if (field.maxBytes !== undefined && decoded.length > field.maxBytes) {
      problems.push({ path: `/${field.name}`, message: `must be at most ${field.maxBytes} bytes (it is ${decoded.length})` });
      continue;
    }
    const wrongType = mediaProblem(field.mediaType, decoded);
    if (wrongType) {
      problems.push({ path: `/${field.name}`, message: wrongType });
      continue;
    }
    bytes[field.name] = decoded;
    delete json[field.name];
    const mediaType = sniffImage(decoded);
    recorded[field.name] = { bytes: decoded.length, sha256: createHash('sha256').update(decoded).digest('hex'), ...(mediaType ? { mediaType } : {}) };
  }
  return { forSchema, json, recorded, bytes, problems };
}
