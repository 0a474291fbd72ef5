/**
 * Bytes in a handler's output, and in the input of `ctx.agents.invoke`. A top-level field
 * may hold a Uint8Array, or (outputs only) an array of them; they cross the sandbox as raw
 * attachments beside the JSON, described by a layout: `[field, -1]` for one byte array,
 * `[field, n]` for an array of n. Past the sandbox, an output's bytes are base64 text, which
 * is what its schema (`"contentEncoding": "base64"`) validates, what an execution records and
 * what an HTTP caller receives; a calling plugin gets them back as Uint8Arrays.
 */

/**
 * Codes a handler may end a call with on its own word: the guest shim's own, and the two a
 * plugin throws on purpose (`PluginError`). Any other code must have been handed to it by a
 * bridge call first.
 */
export const GUEST_ERROR_CODES: ReadonlySet<string> = new Set(['PLUGIN_ERROR', 'OUTPUT_TOO_LARGE', 'BRIDGE_ARGUMENT_INVALID', 'RESOURCE_NOT_FOUND', 'REQUEST_REJECTED']);

/** `[field, -1]`: one byte array; `[field, n]`: an array of n byte arrays. */
export type ByteLayout = [field: string, count: number][];

const FIELD = /^[A-Za-z0-9_$-]{1,128}$/;
const MAX_FIELDS = 64;
const MAX_ITEMS = 64;

/** A layout from the other side of the sandbox, checked: its fields, its counts, and how many attachments it needs. */
export function checkedLayout(layout: unknown): { layout: ByteLayout; attachments: number } | undefined {
  if (layout === undefined) return { layout: [], attachments: 0 };
  if (!Array.isArray(layout) || layout.length > MAX_FIELDS) return undefined;
  let attachments = 0;
  const seen = new Set<string>();
  for (const entry of layout) {
    if (!Array.isArray(entry) || entry.length !== 2) return undefined;
    const [field, count] = entry as unknown[];
    if (typeof field !== 'string' || !FIELD.test(field) || seen.has(field)) return undefined;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < -1 || count > MAX_ITEMS) return undefined;
    seen.add(field);
    attachments += count === -1 ? 1 : count;
  }
  return { layout: layout as ByteLayout, attachments };
}

/** An object (not an array) whose fields can carry bytes. */
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);

/** The output with each laid-out field as base64 text (an array of texts for an array). */
export function bytesAsBase64(output: unknown, layout: ByteLayout, attachments: readonly Uint8Array[]): unknown {
  if (layout.length === 0 || !isRecord(output)) return output;
  const out: Record<string, unknown> = { ...output };
  let next = 0;
  const text = () => Buffer.from(attachments[next]!.buffer, attachments[next]!.byteOffset, attachments[next++]!.byteLength).toString('base64');
  for (const [field, count] of layout) out[field] = count === -1 ? text() : Array.from({ length: count }, text);
  return out;
}

/** Top-level fields of an output schema declared as bytes: a base64 string, or an array of them. */
export function outputByteFields(schema: unknown): string[] {
  const properties = (schema as { properties?: unknown } | null)?.properties;
  if (properties === null || typeof properties !== 'object') return [];
  const isBase64 = (s: unknown) => s !== null && typeof s === 'object' && (s as { type?: unknown }).type === 'string' && (s as { contentEncoding?: unknown }).contentEncoding === 'base64';
  return Object.entries(properties as Record<string, unknown>)
    .filter(([, p]) => isBase64(p) || (p !== null && typeof p === 'object' && (p as { type?: unknown }).type === 'array' && isBase64((p as { items?: unknown }).items)))
    .map(([name]) => name);
}

/**
 * The reverse of {@link bytesAsBase64} for the fields a schema declares as bytes: the JSON
 * without them, their layout, and their bytes. Fields that are not base64 text are left as
 * they are (the schema already judged them).
 */
export function base64AsBytes(output: unknown, fields: readonly string[]): { json: unknown; layout: ByteLayout; bytes: Buffer[] } {
  if (fields.length === 0 || !isRecord(output)) return { json: output, layout: [], bytes: [] };
  const json: Record<string, unknown> = { ...output };
  const layout: ByteLayout = [];
  const bytes: Buffer[] = [];
  for (const field of fields) {
    const value = json[field];
    if (typeof value === 'string') {
      bytes.push(Buffer.from(value, 'base64'));
      layout.push([field, -1]);
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      for (const v of value) bytes.push(Buffer.from(v as string, 'base64'));
      layout.push([field, value.length]);
    } else continue;
    delete json[field];
  }
  return { json, layout, bytes };
}

/** Puts laid-out byte arrays back into their fields (fresh Uint8Arrays), as plugin code receives them. */
export function withByteFields(json: unknown, layout: ByteLayout, attachments: readonly Uint8Array[]): unknown {
  if (layout.length === 0 || !isRecord(json)) return json;
  const out: Record<string, unknown> = { ...json };
  let next = 0;
  const one = () => new Uint8Array(attachments[next++]!);
  for (const [field, count] of layout) out[field] = count === -1 ? one() : Array.from({ length: count }, one);
  return out;
}

/**
 * Takes a value's top-level byte fields out (a typed array, DataView or ArrayBuffer; `arrays`:
 * also arrays whose items all are), copied: the JSON rest, the layout and the bytes. The
 * in-process counterpart of what the guest shim does inside an isolate.
 */
export function takeByteFields(value: unknown, arrays: boolean): { json: unknown; layout: ByteLayout; bytes: Uint8Array[] } {
  if (!isRecord(value)) return { json: value, layout: [], bytes: [] };
  const isBytes = (v: unknown) => ArrayBuffer.isView(v) || Object.prototype.toString.call(v) === '[object ArrayBuffer]';
  const copy = (v: unknown) => (ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : new Uint8Array(v as ArrayBuffer)).slice();
  const json: Record<string, unknown> = {};
  const layout: ByteLayout = [];
  const bytes: Uint8Array[] = [];
  for (const [field, v] of Object.entries(value)) {
    if (isBytes(v)) {
      layout.push([field, -1]);
      bytes.push(copy(v));
    } else if (arrays && Array.isArray(v) && v.length > 0 && v.every(isBytes)) {
      layout.push([field, v.length]);
      for (const item of v) bytes.push(copy(item));
    } else json[field] = v;
  }
  return layout.length === 0 ? { json: value, layout, bytes } : { json, layout, bytes };
}
