/**
 * What crosses between plugin code and the host, and its size limits: arguments as JSON text
 * (so a value JSON cannot carry fails as it fails in an isolate), answers as JSON text plus
 * byte arrays. Handlers called directly go through the same encoding as a packed script.
 */
import { HOST_DEFAULT_BRIDGE } from '../isolate/index.ts';
import { carriesBytes } from './bytes.ts';
import { EaselError } from './errors.ts';
import { pluginError } from './scope.ts';

/** The host's default EASEL_SANDBOX_MAX_PAYLOAD_BYTES and EASEL_SANDBOX_MAX_BINARY_BYTES. */
export const { maxPayloadBytes: MAX_PAYLOAD_BYTES, maxBinaryBytes: MAX_BINARY_BYTES } = HOST_DEFAULT_BRIDGE;

/** An answer as it crosses: JSON text (none for `undefined`) and the byte arrays beside it. */
export interface WireAnswer {
  json: string | undefined;
  bytes: Uint8Array[];
}

/** The arguments of a `ctx` call as JSON text, refused as the guest shim refuses them. */
export function argumentsJson(args: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(args);
  } catch (err) {
    throw pluginError('BRIDGE_ARGUMENT_INVALID', `bridge arguments must be JSON: ${(err as Error).message}`);
  }
  json ??= '{}';
  if (json.length > MAX_PAYLOAD_BYTES) throw pluginError('BRIDGE_ARGUMENT_INVALID', `bridge arguments are over ${MAX_PAYLOAD_BYTES} bytes`);
  return json;
}

/** Bytes plugin code hands over, checked against the binary limit. */
export function checkedBytes(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.byteLength > MAX_BINARY_BYTES) throw pluginError('BRIDGE_ARGUMENT_INVALID', `${what} is over ${MAX_BINARY_BYTES} bytes`);
  return bytes;
}

/** A capability's answer as it crosses back, or BRIDGE_RESULT_TOO_LARGE. */
export function wireAnswer(value: unknown): WireAnswer {
  const [plain, bytes] = carriesBytes(value) ? [value.value, [...value.bytes]] : [value, []];
  const json = plain === undefined ? undefined : JSON.stringify(plain);
  if (json !== undefined && Buffer.byteLength(json) > MAX_PAYLOAD_BYTES) {
    throw new EaselError('BRIDGE_RESULT_TOO_LARGE', `the answer is over ${MAX_PAYLOAD_BYTES} bytes`);
  }
  if (bytes.reduce((n, b) => n + b.byteLength, 0) > MAX_BINARY_BYTES) {
    throw new EaselError('BRIDGE_RESULT_TOO_LARGE', `the answer's bytes are over ${MAX_BINARY_BYTES} bytes`);
  }
  return { json, bytes };
}
