/**
 * The token-bucket arithmetic both router states share (SQLite, PostgreSQL): each decides
 * inside a transaction that has the model's row to itself, from the row as stored.
 */
import type { QuotaLimits, TakeResult } from './types.ts';

const MINUTE_MS = 60_000;
/** Refill arithmetic is in floats: a level this close to what is needed counts as enough. */
const EPSILON = 1e-9;

interface Levels {
  requests: number;
  tokens: number;
}

export interface BucketRow extends Levels {
  updated_ms: number;
}

/** What to store after a decision. */
export interface Stored extends Levels {
  updatedMs: number;
}

/** The levels at `nowMs`: full when first seen, else refilled and clamped to the (maybe changed) capacity. */
function levels(row: BucketRow | undefined, limits: QuotaLimits, nowMs: number): Stored {
  if (row === undefined) return { requests: limits.rpm, tokens: limits.tpm, updatedMs: nowMs };
  // A clock behind the stored one (another host) refills nothing and does not move time back,
  // which would credit the same interval twice.
  const elapsed = Math.max(0, nowMs - row.updated_ms);
  return {
    requests: Math.min(limits.rpm, row.requests + (elapsed * limits.rpm) / (limits.refillMs ?? MINUTE_MS)),
    tokens: Math.min(limits.tpm, row.tokens + (elapsed * limits.tpm) / (limits.refillMs ?? MINUTE_MS)),
    updatedMs: Math.max(nowMs, row.updated_ms),
  };
}

/** One request and `tokens` tokens from both buckets, or neither: the answer, and what to store when taken. */
export function decideTake(row: BucketRow | undefined, limits: QuotaLimits, tokens: number, nowMs: number): { result: TakeResult; after?: Stored } {
  if (tokens > limits.tpm) return { result: { ok: false, retryAfterMs: Infinity, limit: 'tpm' } };
  if (limits.rpm < 1) return { result: { ok: false, retryAfterMs: Infinity, limit: 'rpm' } };
  const level = levels(row, limits, nowMs);
  const requestWait = waitMs(1 - level.requests, limits.rpm, limits.refillMs);
  const tokenWait = waitMs(tokens - level.tokens, limits.tpm, limits.refillMs);
  if (requestWait > 0 || tokenWait > 0) {
    return { result: tokenWait > requestWait ? { ok: false, retryAfterMs: tokenWait, limit: 'tpm' } : { ok: false, retryAfterMs: requestWait, limit: 'rpm' } };
  }
  return { result: { ok: true }, after: { requests: Math.max(0, level.requests - 1), tokens: Math.max(0, level.tokens - tokens), updatedMs: level.updatedMs } };
}

/** The levels after giving back `requests` and `tokens`, capped at capacity. */
export function refunded(row: BucketRow | undefined, limits: QuotaLimits, requests: number, tokens: number, nowMs: number): Stored {
  const level = levels(row, limits, nowMs);
  return {
    requests: Math.max(0, Math.min(limits.rpm, level.requests + requests)),
    tokens: Math.max(0, Math.min(limits.tpm, level.tokens + tokens)),
    updatedMs: level.updatedMs,
  };
}

/** Milliseconds until a bucket refilling `perMinute` per `refillMs` gains `missing`; 0 when nothing is missing. */
function waitMs(missing: number, perMinute: number, refillMs = MINUTE_MS): number {
  return missing <= EPSILON ? 0 : Math.ceil((missing * refillMs) / perMinute);
}
