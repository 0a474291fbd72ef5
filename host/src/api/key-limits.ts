/**
 * Requests per minute per app key (`EASEL_KEY_REQUESTS_PER_MINUTE`), counted by
 * @fastify/rate-limit once the key is known: a request without a valid key is refused for that
 * first and counts for nobody. Admin keys are not limited: they are the operators. 0 turns the
 * limit off. (Executions at once per key: orchestration/key-slots.ts.)
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { KeyLimitsConfig } from '../config/index.ts';
import { EaselError } from '../errors/index.ts';

const MINUTE_MS = 60_000;

export async function installKeyRateLimit(app: FastifyInstance, limits: KeyLimitsConfig): Promise<void> {
  if (limits.requestsPerMinute === 0) return;
  await app.register(rateLimit, {
    global: true,
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
