/**
 * Per-model RPM/TPM quotas as two token buckets (control plane `POST /__emulator/quotas`).
 * Buckets start full, refill continuously at limit/60000 per ms, and charge a call at arrival;
 * nothing is refunded. A call that finds either bucket short takes nothing and is throttled.
 */
import type { QuotaLimits } from './types.ts';

interface Bucket {
  limits: QuotaLimits;
  requests: number;
  tokens: number;
  last: number;
}

const MINUTE_MS = 60_000;

export class Quotas {
  #buckets = new Map<string, Bucket>();

  set(modelId: string, limits: QuotaLimits, now: number): void {
    this.#buckets.set(modelId, { limits: { ...limits }, requests: limits.rpm, tokens: limits.tpm, last: now });
  }

  clear(): void {
    this.#buckets.clear();
  }

  /** Takes one request and `tokens` tokens; false (and nothing taken) when either is short. */
  take(modelId: string, tokens: number, now: number): boolean {
    const bucket = this.#buckets.get(modelId);
    if (!bucket) return true;
    const elapsed = Math.max(0, now - bucket.last);
    bucket.last = now;
    bucket.requests = Math.min(bucket.limits.rpm, bucket.requests + (elapsed * bucket.limits.rpm) / MINUTE_MS);
    bucket.tokens = Math.min(bucket.limits.tpm, bucket.tokens + (elapsed * bucket.limits.tpm) / MINUTE_MS);
    if (bucket.requests < 1 || bucket.tokens < tokens) return false;
    bucket.requests -= 1;
    bucket.tokens -= tokens;
    return true;
  }
}
