/**
 * A global limit on publish-like requests in flight (`PUT /:name`, `PUT /:name/-rev/:rev`),
 * taken in `onRequest`, before the body (up to EASEL_REGISTRY_MAX_BODY_BYTES) is read and
 * parsed, so concurrent uploads cannot exhaust memory. Beyond the limit the answer is 503
 * PUBLISH_BUSY with Retry-After. A slot is released when the response ends or the
 * connection closes, whichever comes first (abort included).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RegistryError } from '../errors/index.ts';

const RETRY_AFTER_SECONDS = 5;

export interface PublishGate {
  /** The onRequest hook: takes a slot or refuses. */
  hook: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Requests holding a slot now. */
  inFlight(): number;
}

export function createPublishGate(max: number): PublishGate {
  let inFlight = 0;
  return {
    inFlight: () => inFlight,
    hook: async (_request, reply) => {
      if (inFlight >= max) {
        throw new RegistryError('PUBLISH_BUSY', { max, seconds: RETRY_AFTER_SECONDS }, undefined, { retryAfterSeconds: RETRY_AFTER_SECONDS });
      }
      inFlight += 1;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        inFlight -= 1;
      };
      // 'close' on the response fires once it is sent, and when the connection drops first (abort).
      reply.raw.once('close', release);
      // The client may have gone during an earlier (async) hook: then 'close' has fired already.
      if (reply.raw.closed) release();
    },
  };
}
