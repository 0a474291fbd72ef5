/**
 * Every answer that is not a success leaves as `{ statusCode, code, error, message, details? }`
 * with a code from the registry's table: errors of routes and hooks, Fastify's own (a body
 * that does not parse, a bad URL), the not-found handler, and what Node's HTTP server answers
 * before Fastify sees a request (see @easel/common/http/raw-error-answers). `error` carries the
 * message too, not the status text: npm prints `body.error` after the status line
 * (`403 Forbidden - PUT … - cannot modify pre-existing version: 1.0.0`). Unexpected errors
 * are logged and answered as INTERNAL_ERROR without their text, which may carry paths.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import { answerServerEvents, clientErrorHandler, type RawErrorCode } from '@easel/common/http/raw-error-answers';
import { RegistryError, type ErrorCode } from '../errors/index.ts';

/** Package names have up to 214 characters, token keys (sha512 hex) 128: above Fastify's 100. */
export const MAX_PARAM_LENGTH = 512;

/** Fastify's codes that a client can cause: what each means here. */
const KNOWN: Record<string, (error: FastifyError, request: FastifyRequest) => RegistryError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_error, request) => tooLarge(request),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new RegistryError('UNSUPPORTED_MEDIA_TYPE'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new RegistryError('REQUEST_MALFORMED', { problem: 'the body does not match its Content-Length' }),
  // Fastify's message for these quotes the whole path, which may be kilobytes long.
  FST_ERR_BAD_URL: () => new RegistryError('URL_INVALID'),
  FST_ERR_MAX_PARAM_LENGTH: () => new RegistryError('URL_TOO_LONG', { max: MAX_PARAM_LENGTH }),
  // The JSON parser's own message says where the text stops parsing.
  FST_ERR_CTP_INVALID_JSON_BODY: (error) => RegistryError.relay('REQUEST_INVALID', error.message),
};

const tooLarge = (request: FastifyRequest) => new RegistryError('REQUEST_TOO_LARGE', { limit: request.routeOptions?.bodyLimit ?? request.server.initialConfig.bodyLimit ?? 0 });

function translate(error: FastifyError, request: FastifyRequest): RegistryError | undefined {
  if (error instanceof RegistryError) {
    // A failure of a service the registry depends on (S3): the answer names it, the log has the cause.
    if (error.statusCode >= 500 && error.cause !== undefined) request.log.error({ err: error.cause }, error.message);
    return error;
  }
  if (error.validation) {
    const problems = error.validation.map((v) => ({ path: `${error.validationContext ?? ''}${v.instancePath}` || '/', message: v.message ?? 'is invalid' }));
    // Fastify's summary of ajv's findings, e.g. "querystring/limit must be <= 100".
    return RegistryError.relay('REQUEST_INVALID', error.message, { problems });
  }
  const known = typeof error.code === 'string' ? KNOWN[error.code] : undefined;
  if (known) return known(error, request);
  // Other client errors: the JSON parser's SyntaxError (400).
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    if (error.statusCode === 413) return tooLarge(request);
    if (error.statusCode === 415) return new RegistryError('UNSUPPORTED_MEDIA_TYPE');
    return RegistryError.relay('REQUEST_INVALID', error.message);
  }
  return undefined;
}

function unexpected(error: unknown, request: FastifyRequest): RegistryError {
  request.log.error({ err: error }, 'unexpected error');
  return new RegistryError('INTERNAL_ERROR', { requestId: request.id });
}

/** An error as the registry answers it. */
export function errorBody(e: RegistryError): { statusCode: number; code: ErrorCode; error: string; message: string; details?: Record<string, unknown> } {
  return {
    statusCode: e.statusCode,
    code: e.code,
    error: e.message,
    message: e.message,
    ...(e.details === undefined ? {} : { details: e.details }),
  };
}

// The message is the shared answerer's (it may quote the reason Node's HTTP parser gives).
const rawBody = (code: RawErrorCode, message: string) => errorBody(RegistryError.relay(code, message));

/** A bad URL or an over-long parameter, found by the router before any route, hook or error handler. */
function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const e = translate(error, request) ?? unexpected(error, request);
  void reply.code(e.statusCode).send(errorBody(e));
}

/** Options for `Fastify({...})`: how the answers given before any route runs are made. */
export function errorAnswerOptions() {
  return {
    frameworkErrors,
    clientErrorHandler: clientErrorHandler(rawBody),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Fastify's 503 while closing has no code: the onRequest hook below answers instead.
    return503OnClosing: false,
    // Node's 400 for a missing Host has no body: the onRequest hook below answers instead.
    http: { requireHostHeader: false },
  };
}

/** Error answers, every route's. Call it right after building the app, before any route or other hook. */
export function installErrorHandling(app: FastifyInstance): void {
  answerServerEvents(app.server, rawBody);
  // The first preClose hook: from the moment a stop begins, new requests are refused.
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (stopping) {
      void reply.header('connection', 'close');
      throw new RegistryError('SHUTTING_DOWN');
    }
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      void reply.header('connection', 'close');
      throw new RegistryError('REQUEST_MALFORMED', { problem: 'an HTTP/1.1 request must have a Host header' });
    }
  });
  app.addHook('onRoute', (route) => {
    registered.get(app)?.push({ method: route.method, url: route.url, ...(route.schema === undefined ? {} : { schema: route.schema }) });
  });
  registered.set(app, []);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const e = translate(error, request) ?? unexpected(error, request);
    if (e.retryAfterSeconds !== undefined) void reply.header('retry-after', String(e.retryAfterSeconds));
    return reply.status(e.statusCode).send(errorBody(e));
  });
  app.setNotFoundHandler((request) => {
    throw new RegistryError('ROUTE_NOT_FOUND', { method: request.method, path: shortPath(request.url) });
  });
}

/** A route as declared: its method(s), URL and schema (the OpenAPI test checks every route has a response schema). */
export interface RegisteredRoute {
  method: string | string[];
  url: string;
  schema?: FastifySchema;
}

const registered = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route registered after installErrorHandling, as declared (the error-shape test walks them all). */
export function registeredRoutes(app: FastifyInstance): readonly RegisteredRoute[] {
  return registered.get(app) ?? [];
}

function shortPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
