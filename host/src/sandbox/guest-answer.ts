/**
 * Reading what the guest shim answered for a call: size first, then JSON, then which code the
 * guest may claim. Everything here came out of plugin code, so nothing is trusted: a code the
 * guest names stands only if the guest may say it (one of its own, a limit its shim enforces,
 * or one the bridge delivered to this call); anything else is PLUGIN_ERROR.
 */
import { errorMessage, isErrorCode, type ErrorCode } from '../errors/index.ts';
import { checkedLayout, GUEST_ERROR_CODES, type ByteLayout } from '@easel/sdk/isolate';

/**
 * How a call ended: its output (and the bytes of its byte fields, laid out), or a code.
 * `envelope` is the guest's answer as it was written, whose `value` is the output: it goes on
 * to the supervisor as it is, so the output is serialised once, by the guest.
 */
export type Outcome = { output: unknown; envelope: string; bytes?: ByteLayout; attachments?: Uint8Array[] } | { code: ErrorCode; message: string };

/** Log lines the guest dropped during the call, as it counted them (small whole numbers only). */
export interface DroppedLines {
  oversize: number;
  overflow: number;
  invalid: number;
}

export interface AnswerLimits {
  maxPayloadBytes: number;
  maxBinaryBytes: number;
}

/**
 * Codes the guest shim answers by itself, without a crossing, when a call passes one of its
 * own limits: a call may end with them although the bridge never delivered them. Each only
 * says the plugin broke a limit, so a plugin claiming one blames nobody but itself.
 */
const SHIM_LIMIT_CODES: ReadonlySet<string> = new Set(['BRIDGE_BUSY', 'KV_KEY_INVALID', 'KV_VALUE_TOO_LARGE']);
/** Room the shim's drop counts take in front of an answer (see guest-shim withDrops). */
const DROPS_ROOM = 256;
const MAX_MESSAGE = 1000;

/** A message plugin code may have written (a failure, a load error), cut to the length the host passes on. */
export function truncate(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}

const malformed = (): Outcome => ({ code: 'PLUGIN_ERROR', message: errorMessage('PLUGIN_ERROR', { reason: 'the handler produced a malformed answer' }) });

/**
 * The outcome of a call from the guest's answer: an envelope string, or `[envelope, ...ArrayBuffers]`
 * when the output's top-level fields carry bytes. `delivered`: the codes the bridge answered
 * this call with.
 */
export function readAnswer(answer: unknown, limits: AnswerLimits, delivered: ReadonlySet<string>): { outcome: Outcome; dropped?: DroppedLines } {
  let envelope = answer;
  let attachments: ArrayBuffer[] = [];
  if (Array.isArray(answer)) {
    [envelope, ...attachments] = answer as unknown[] as [unknown, ...ArrayBuffer[]];
    if (!attachments.every((a) => a instanceof ArrayBuffer)) return { outcome: malformed() };
    if (attachments.reduce((n, a) => n + a.byteLength, 0) > limits.maxBinaryBytes) {
      return { outcome: { code: 'OUTPUT_TOO_LARGE', message: errorMessage('OUTPUT_TOO_LARGE', { limit: limits.maxBinaryBytes, measure: 'in byte fields' }) } };
    }
  }
  if (typeof envelope !== 'string') {
    (envelope as { release?: () => void } | undefined)?.release?.();
    return { outcome: { code: 'PLUGIN_ERROR', message: errorMessage('PLUGIN_ERROR', { reason: 'the handler produced no answer' }) } };
  }
  const max = limits.maxPayloadBytes + 64 + DROPS_ROOM;
  if (envelope.length > max || Buffer.byteLength(envelope) > max) {
    return { outcome: { code: 'OUTPUT_TOO_LARGE', message: errorMessage('OUTPUT_TOO_LARGE', { limit: limits.maxPayloadBytes, measure: 'as JSON' }) } };
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(envelope) as Record<string, unknown>;
  } catch {
    return { outcome: malformed() };
  }
  const dropped = droppedLines(parsed.logsDropped);
  if (parsed.ok === true) {
    const bytes = checkedLayout(parsed.bytes);
    if (!bytes || bytes.attachments !== attachments.length) return { outcome: malformed(), dropped };
    const outcome: Outcome = bytes.layout.length === 0 ? { output: parsed.value, envelope } : { output: parsed.value, envelope, bytes: bytes.layout, attachments: attachments.map((a) => new Uint8Array(a)) };
    return { outcome, dropped };
  }
  const code = typeof parsed.code === 'string' && isErrorCode(parsed.code) && (GUEST_ERROR_CODES.has(parsed.code) || SHIM_LIMIT_CODES.has(parsed.code) || delivered.has(parsed.code)) ? parsed.code : 'PLUGIN_ERROR';
  const message = typeof parsed.message === 'string' ? parsed.message : 'plugin error';
  return { outcome: { code, message: truncate(message) }, dropped };
}

/** The guest's drop counts, when there are any. */
function droppedLines(counts: unknown): DroppedLines | undefined {
  if (counts === null || typeof counts !== 'object') return undefined;
  const count = (key: string) => {
    const n = (counts as Record<string, unknown>)[key];
    return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
  };
  const dropped = { oversize: count('oversize'), overflow: count('overflow'), invalid: count('invalid') };
  return dropped.oversize + dropped.overflow + dropped.invalid > 0 ? dropped : undefined;
}
