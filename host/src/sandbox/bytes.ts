/** Byte arrays that cross the sandbox: results a bridge answers with, and how bytes are copied. */

/**
 * The bytes of a Buffer as their own ArrayBuffer: the Buffer's own when it spans all of it
 * (FrameChannel attachments do), else a copy (a Buffer may be a view of a larger pool).
 */
export function exactBuffer(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/**
 * A bridge answer that carries byte arrays next to its JSON value (the bytes of a stored
 * object, generated images). The sandbox sends them as raw attachments and the guest shim
 * hands them to plugin code as fresh Uint8Arrays, in order; `value` says what they are.
 */
export class WithBytes {
  readonly value: unknown;
  readonly bytes: readonly Uint8Array[];
  constructor(value: unknown, bytes: readonly Uint8Array[]) {
    this.value = value;
    this.bytes = bytes;
  }
}
