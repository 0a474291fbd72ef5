/**
 * Builds the emulator's Fastify app (cleartext HTTP/2, as the Bedrock Runtime client only
 * speaks HTTP/2) without listening; `startEmulator` in index.ts listens.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { controlRoutes } from './control-routes.ts';
import { converseRoutes } from './converse-routes.ts';
import { BedrockError, sendBedrockError } from './errors.ts';
import { invokeRoutes } from './invoke-routes.ts';
import { createState, type EmulatorState } from './state.ts';

/** Images arrive base64-encoded inside JSON. */
const BODY_LIMIT = 32 * 1024 * 1024;

export interface EmulatorApp {
  app: FastifyInstance;
  state: EmulatorState;
}

/**
 * The emulator as a Fastify app that is not listening yet, with its state (for embedding it
 * in a test harness; `startEmulator` is the usual way in).
 * @example
 * const { app } = buildEmulator({ streamDelayMs: 0 });
 * await app.listen({ host: '127.0.0.1', port: 0 });
 */
export function buildEmulator(options: { streamDelayMs?: number; logger?: boolean; controlToken?: string } = {}): EmulatorApp {
  const state = createState(options.streamDelayMs ?? 5);
  const app = Fastify({ http2: true, logger: options.logger ?? false, bodyLimit: BODY_LIMIT }) as unknown as FastifyInstance;

  // Bodies are parsed by the routes: InvokeModel bodies are opaque to the SDK (any content
  // type), and a malformed model request must get an AWS-shaped error, not Fastify's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('x-amzn-RequestId', randomUUID());
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (!request.url.startsWith('/model/')) {
      const statusCode = error.statusCode ?? 500;
      return reply.code(statusCode).send({ statusCode, code: error.code ?? 'EMULATOR_ERROR', error: 'Error', message: error.message });
    }
    const status = error.statusCode ?? 500;
    const mapped = status < 500 ? new BedrockError('ValidationException', error.message) : new BedrockError('InternalServerException');
    return sendBedrockError(reply, mapped);
  });

  app.register(converseRoutes, { state });
  app.register(invokeRoutes, { state });
  app.register(controlRoutes, { state, token: options.controlToken });
  return { app, state };
}
