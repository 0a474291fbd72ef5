/**
 * Bytes that cross between plugin code and the kit: copied on the way in (as the guest shim
 * copies them), and carried beside a JSON value on the way out (stored objects, images), as
 * the host's bridge carries them.
 */
import { pluginError } from './scope.ts';

const CARRIES_BYTES = Symbol('carries bytes');

/** A capability's answer with byte arrays beside its JSON value; plugin code receives fresh Uint8Arrays. */
export interface WithBytes {
  readonly [CARRIES_BYTES]: true;
  readonly value: unknown;
  readonly bytes: readonly Uint8Array[];
}

export const withBytes = (value: unknown, bytes: readonly Uint8Array[]): WithBytes => ({ [CARRIES_BYTES]: true, value, bytes });

export const carriesBytes = (answer: unknown): answer is WithBytes => answer !== null && typeof answer === 'object' && CARRIES_BYTES in answer;

const isArrayBuffer = (v: unknown): v is ArrayBuffer => Object.prototype.toString.call(v) === '[object ArrayBuffer]';

/**
 * A fresh copy of a typed array, DataView or ArrayBuffer (from any realm); anything else is
 * refused with BRIDGE_ARGUMENT_INVALID, as the shim refuses it.
 */
export function copyOf(value: unknown, what: string): Uint8Array {
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  if (isArrayBuffer(value)) return new Uint8Array(value).slice();
  throw pluginError('BRIDGE_ARGUMENT_INVALID', `${what} must be a Uint8Array, another typed array, a DataView or an ArrayBuffer`);
}

/** The bytes as an ArrayBuffer of their own (what isolated-vm copies into an isolate). */
export function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
