/**
 * Requests per minute per app key (`EASEL_KEY_REQUESTS_PER_MINUTE`), counted by
 * @fastify/rate-limit once the key is known: a request without a valid key is refused for that
 * first and counts for nobody. Admin keys are not limited: they are the operators. 0 turns the
 * limit off. On a store several hosts share, the windows are counted in the store, so a key has
 * one limit whichever host it calls. (Executions at once per key: orchestration/key-slots.ts.)
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { KeyLimitsConfig } from '../config/index.ts';
import { EaselError } from '../errors/index.ts';
import type { RateWindows } from '../store/index.ts';

const MINUTE_MS = 60_000;

export async function installKeyRateLimit(app: FastifyInstance, limits: KeyLimitsConfig, shared?: RateWindows): Promise<void> {
  if (limits.requestsPerMinute === 0) return;
  await app.register(rateLimit, {
    global: true,
    ...(shared ? { store: sharedStore(shared) } : {}),
    // After the routes' own onRequest hooks have verified the key.
    hook: 'preHandler',
    max: limits.requestsPerMinute,
    timeWindow: MINUTE_MS,
    keyGenerator: (req) => req.principal?.keyId ?? '',
    allowList: (req) => req.principal?.role !== 'app',
    errorResponseBuilder: (_req, context) =>
      new EaselError('KEY_RATE_LIMITED', { limit: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) }, {
        limit: 'EASEL_KEY_REQUESTS_PER_MINUTE',
        max: context.max,
        retryAfterMs: context.ttl,
      }),
  });
}

type Counted = { current: number; ttl: number };

/** @fastify/rate-limit's store interface over the store's windows (one class per set of windows). */
function sharedStore(windows: RateWindows) {
  return class SharedRateStore {
    incr(key: string, done: (error: Error | null, result?: Counted) => void, timeWindow: number): void {
      const now = Date.now();
      windows.hit(key, timeWindow, now).then(
        ({ count, windowStartMs }) => done(null, { current: count, ttl: Math.max(0, windowStartMs + timeWindow - now) }),
        (error: Error) => done(error),
      );
    }

    child(): SharedRateStore {
      return this;
    }
  };
}
