/**
 * Every password check goes through here (legacy login, npm's second login step, the token
 * API). An attempt is counted before the password is checked, per user name and per client
 * address, and taken back when the password was right; past the limit within the window the
 * answer is 429 LOGIN_RATE_LIMITED with Retry-After, whether the password is right or not,
 * so guessing cannot go faster than the limit. Tokens already issued keep working.
 */
import { RegistryError } from '../errors/index.ts';
import type { PasswordFailureRepository } from '../store/index.ts';
import { addressSubject } from './client-address.ts';

export interface PasswordLimit {
  maxFailures: number;
  windowSeconds: number;
}

export class PasswordGuard {
  #failures: PasswordFailureRepository;
  #limit: PasswordLimit;

  constructor(failures: PasswordFailureRepository, limit: PasswordLimit) {
    this.#failures = failures;
    this.#limit = limit;
  }

  /** Runs `verify` unless `name` or `address` is over the limit; returns its answer. */
  async check(name: string, address: string, verify: () => Promise<boolean>): Promise<boolean> {
    // Names are at most 64 characters; a longer one is only ever a failure, counted under its start.
    const subjects = [`user:${name.slice(0, 100)}`, `addr:${addressSubject(address)}`];
    const windowMs = this.#limit.windowSeconds * 1000;
    const now = Date.now();
    const counts = await this.#failures.hit(subjects, windowMs, now);
    const over = counts.filter((c) => c.failures > this.#limit.maxFailures);
    if (over.length > 0) {
      const retryAfter = Math.max(1, ...over.map((c) => Math.ceil((c.windowStart + windowMs - now) / 1000)));
      throw new RegistryError('LOGIN_RATE_LIMITED', { seconds: retryAfter }, undefined, { retryAfterSeconds: retryAfter });
    }
    const ok = await verify();
    if (ok) await this.#failures.forgive(subjects);
    return ok;
  }
}
