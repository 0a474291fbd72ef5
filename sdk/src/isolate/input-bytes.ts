/**
 * Byte fields in plugin inputs, as the host and the test kit both read them. A property
 * declared `{ "type": "string", "contentEncoding": "base64" }` carries bytes, at the top level
 * of the input or one level down inside an object property (`canvasConfig.sketch`): apps send
 * base64 (or a `data:` URL) in JSON, or the raw file in a multipart upload, and the handler
 * receives a Uint8Array — the bytes cross into the isolate as a copy, never as base64 in the
 * input JSON. With `contentMediaType` `image/*`, `image/png` or `image/jpeg` the bytes are
 * checked to be such an image before the call starts.
 */
import { createHash } from 'node:crypto';

export interface InputByteField {
  /** `field`, or `parent.field` one level down. */
  name: string;
  path: [string] | [string, string];
  /** From the schema's maxLength (base64 characters), as bytes. */
  maxBytes?: number;
  mediaType?: string;
}

export interface ByteProblem {
  path: string;
  message: string;
}

export interface SplitInput {
  /** The input with byte fields as base64 text: what the schema validates. */
  forSchema: unknown;
  /** The input without its byte fields: what crosses into the isolate as JSON. */
  json: unknown;
  /** The input as recorded on the execution: byte fields summarized, not stored. */
  recorded: unknown;
  /** The decoded byte fields, by name. */
  bytes: Record<string, Uint8Array>;
  problems: ByteProblem[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_URL = /^data:([a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+)?(;[a-z0-9-]+=[^;,]*)*;base64,/i;
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);

function byteField(path: [string] | [string, string], p: unknown): InputByteField | undefined {
  const s = p as { type?: unknown; contentEncoding?: unknown; contentMediaType?: unknown; maxLength?: unknown } | null;
  if (s === null || typeof s !== 'object' || s.type !== 'string' || s.contentEncoding !== 'base64') return undefined;
  return {
    name: path.join('.'),
    path,
    ...(typeof s.maxLength === 'number' ? { maxBytes: Math.floor((s.maxLength * 3) / 4) } : {}),
    ...(typeof s.contentMediaType === 'string' ? { mediaType: s.contentMediaType.toLowerCase() } : {}),
  };
}

/** The byte fields a JSON Schema declares: on its top-level object, and one level down in object properties. */
export function inputByteFields(schema: unknown): InputByteField[] {
  const properties = (schema as { properties?: unknown } | null)?.properties;
  if (!isRecord(properties)) return [];
  const fields: InputByteField[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    const top = byteField([name], raw);
    if (top) fields.push(top);
    const nested = (raw as { type?: unknown; properties?: unknown } | null)?.properties;
    if ((raw as { type?: unknown } | null)?.type !== 'object' || !isRecord(nested)) continue;
    for (const [child, p] of Object.entries(nested)) {
      const inner = byteField([name, child], p);
      if (inner) fields.push(inner);
    }
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

/** The value at a field's path, if its parent is an object. */
function valueAt(input: Json, path: InputByteField['path']): { found: boolean; value: unknown } {
  if (path.length === 1) return { found: Object.hasOwn(input, path[0]), value: input[path[0]] };
  const parent = input[path[0]];
  return isRecord(parent) && Object.hasOwn(parent, path[1]) ? { found: true, value: parent[path[1]] } : { found: false, value: undefined };
}

/** Sets (or removes) the value at `path` in `target`, copying a parent object so the input it came from is left as it was. */
function setAt(target: Json, path: InputByteField['path'], value: unknown, remove = false): void {
  if (path.length === 1) {
    if (remove) delete target[path[0]];
    else target[path[0]] = value;
    return;
  }
  const parent = { ...(target[path[0]] as Json) };
  if (remove) delete parent[path[1]];
  else parent[path[1]] = value;
  target[path[0]] = parent;
}

/**
 * Decodes the byte fields of `input` (base64 text, a `data:` URL, or bytes) and checks their
 * size and media type. Fields that are not text or bytes are left for the schema to refuse.
 */
export function splitInputBytes(input: unknown, fields: readonly InputByteField[]): SplitInput {
  const none: SplitInput = { forSchema: input, json: input, recorded: input, bytes: {}, problems: [] };
  if (fields.length === 0 || !isRecord(input)) return none;
  const forSchema: Json = { ...input };
  const json: Json = { ...input };
  const recorded: Json = { ...input };
  const bytes: Record<string, Uint8Array> = {};
  const problems: ByteProblem[] = [];
  for (const field of fields) {
    const { found, value } = valueAt(input, field.path);
    if (!found) continue;
    const pointer = `/${field.path.join('/')}`;
    let decoded: Uint8Array | undefined;
    if (value instanceof Uint8Array) {
      decoded = new Uint8Array(value);
      setAt(forSchema, field.path, Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength).toString('base64'));
    } else if (typeof value === 'string') {
      const text = value.replace(DATA_URL, '');
      if (text.length % 4 !== 0 || !BASE64.test(text)) {
        problems.push({ path: pointer, message: 'must be base64 (or a data: URL with base64)' });
        continue;
      }
      setAt(forSchema, field.path, text);
      decoded = new Uint8Array(Buffer.from(text, 'base64'));
    } else continue;
    if (field.maxBytes !== undefined && decoded.length > field.maxBytes) {
      problems.push({ path: pointer, message: `must be at most ${field.maxBytes} bytes (it is ${decoded.length})` });
      continue;
    }
    const wrongType = mediaProblem(field.mediaType, decoded);
    if (wrongType) {
      problems.push({ path: pointer, message: wrongType });
      continue;
    }
    bytes[field.name] = decoded;
    setAt(json, field.path, undefined, true);
    const mediaType = sniffImage(decoded);
    setAt(recorded, field.path, { bytes: decoded.length, sha256: createHash('sha256').update(decoded).digest('hex'), ...(mediaType ? { mediaType } : {}) });
  }
  return { forSchema, json, recorded, bytes, problems };
}

/** The JSON input with its byte fields put back where their names say (for running a handler in-process). */
export function placeInputBytes(json: unknown, bytes: Readonly<Record<string, Uint8Array>>): unknown {
  if (!isRecord(json)) return json;
  const out: Json = { ...json };
  for (const [name, value] of Object.entries(bytes)) {
    const dot = name.indexOf('.');
    const path: InputByteField['path'] = dot < 0 ? [name] : [name.slice(0, dot), name.slice(dot + 1)];
    if (path.length === 2 && !isRecord(out[path[0]])) continue;
    setAt(out, path, value.slice());
  }
  return out;
}
