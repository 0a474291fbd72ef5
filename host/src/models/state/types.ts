/**
 * Router state that must hold across host replicas but need not survive a power loss:
 * per-model quota buckets and cooldowns. Decided in the store (atomic statements), not in
 * process memory, as ARCHITECTURE.md asks; kept in its own SQLite file with
 * synchronous=NORMAL because every model call touches it and everything in it expires
 * within minutes.
 */

export interface QuotaLimits {
  /** Requests per minute: bucket capacity, refilled at rpm/60 000 per ms. */
  rpm: number;
  /** Tokens per minute: bucket capacity, refilled at tpm/60 000 per ms. */
  tpm: number;
  /**
   * Time a bucket takes to refill completely (default 60 000 ms). The router passes a little
   * more than a minute: the provider's bucket started a moment after ours and refills on its
   * own clock, so ours must never refill faster than it.
   */
  refillMs?: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number; limit: 'rpm' | 'tpm' };

export interface Cooldown {
  modelId: string;
  untilMs: number;
  reason: string;
}

export interface RouterStateRepository {
  /**
   * Takes one request and `tokens` tokens from the model's two buckets, both or neither, in
   * one transaction. A bucket seen for the first time starts full. When either lacks, nothing
   * is taken and `retryAfterMs` says when both would have enough (tokens > tpm can never be
   * taken: retryAfterMs is then Infinity).
   */
  take(modelId: string, limits: QuotaLimits, tokens: number, nowMs: number): Promise<TakeResult>;
  /** Gives back what a call did not use (a refusal before sending, fewer tokens than held); capped at capacity. */
  refund(modelId: string, limits: QuotaLimits, requests: number, tokens: number, nowMs: number): Promise<void>;
  /** Cools the model until `untilMs`; an existing later cooldown is kept. */
  coolDown(modelId: string, untilMs: number, reason: string): Promise<void>;
  /** Cooldowns still running at `nowMs`. */
  cooling(nowMs: number): Promise<Cooldown[]>;
  clearCooldown(modelId: string): Promise<void>;
  close(): Promise<void>;
}
