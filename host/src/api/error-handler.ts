/**
 * Every answer that is not a success leaves in Fastify's shape
 * `{ statusCode, code, error, message, details? }` with a code from the host's table: errors
 * of routes and hooks, Fastify's own (a body that does not parse, a bad URL), those of the
 * plugins routes use (@fastify/multipart), the not-found handler, and what Node's HTTP server
 * answers before Fastify sees a request (see @easel/common/http/raw-error-answers).
 * Unexpected errors are logged and answered as INTERNAL_ERROR without their text, which may
 * carry paths or secrets.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { answerServerEvents, clientErrorHandler, type RawErrorCode } from '@easel/common/http/raw-error-answers';
import { EaselError, type ErrorCode } from '../errors/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The code to answer when this route's body is over its limit (default REQUEST_TOO_LARGE). */
    tooLargeCode?: TooLargeCode;
  }
}

type TooLargeCode = 'BUNDLE_TOO_LARGE' | 'REQUEST_TOO_LARGE';

/** The router's limit on one path parameter: a user id has up to 128 characters, two UTF-16 units each at most. */
export const MAX_PARAM_LENGTH = 256;

/** The error for a body over its route's limit: REQUEST_TOO_LARGE saying why, or the route's own code (an upload's BUNDLE_TOO_LARGE). */
type TooLarge = (reason: string) => EaselError;

const bodyTooLarge: TooLarge = (reason) => new EaselError('REQUEST_TOO_LARGE', { reason });

function tooLargeFor(request: FastifyRequest): TooLarge {
  const code: TooLargeCode = request.routeOptions.config?.tooLargeCode ?? 'REQUEST_TOO_LARGE';
  return code === 'BUNDLE_TOO_LARGE' ? () => new EaselError('BUNDLE_TOO_LARGE', { limit: request.routeOptions.bodyLimit }) : bodyTooLarge;
}

const OVER_PARTS = (_error: FastifyError, tooLarge: TooLarge) => tooLarge('the upload is over the size or part limits');
const MEDIA_TYPE = () => new EaselError('UNSUPPORTED_MEDIA_TYPE');

/** Fastify's codes, and @fastify/multipart's, that a client can cause: what each means here. */
const KNOWN: Record<string, (error: FastifyError, tooLarge: TooLarge) => EaselError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (_error, tooLarge) => tooLarge('the body is over the size limit'),
  FST_REQ_FILE_TOO_LARGE: OVER_PARTS,
  FST_PARTS_LIMIT: OVER_PARTS,
  FST_FILES_LIMIT: OVER_PARTS,
  FST_FIELDS_LIMIT: OVER_PARTS,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: MEDIA_TYPE,
  FST_INVALID_MULTIPART_CONTENT_TYPE: MEDIA_TYPE,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new EaselError('REQUEST_MALFORMED', { reason: 'the request body does not match its Content-Length' }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new EaselError('REQUEST_INVALID', { reason: 'the body is empty but its content type is JSON' }),
  // Fastify's message for these quotes the whole path, which may be kilobytes long.
  FST_ERR_BAD_URL: () => new EaselError('URL_INVALID'),
  FST_ERR_MAX_PARAM_LENGTH: () => new EaselError('URL_TOO_LONG', { limit: MAX_PARAM_LENGTH }),
  // The JSON parser's own message says where the text stops parsing.
  FST_ERR_CTP_INVALID_JSON_BODY: (error) => new EaselError('REQUEST_INVALID', { reason: error.message }),
};

function translate(error: FastifyError, tooLarge: TooLarge): EaselError | undefined {
  if (error instanceof EaselError) return error;
  if (error.validation) {
    const problems = error.validation.map((v) => ({ path: `${error.validationContext ?? ''}${v.instancePath}` || '/', message: v.message ?? 'is invalid' }));
    return new EaselError('REQUEST_INVALID', { reason: error.message }, { problems });
  }
  const known = typeof error.code === 'string' && Object.hasOwn(KNOWN, error.code) ? KNOWN[error.code] : undefined;
  if (known) return known(error, tooLarge);
  // Other client errors: the JSON parser's SyntaxError (400), a plugin's own 4xx.
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    if (error.statusCode === 413) return tooLarge('the body is over the size limit');
    if (error.statusCode === 415) return MEDIA_TYPE();
    return new EaselError('REQUEST_INVALID', { reason: error.message });
  }
  return undefined;
}

function unexpected(error: unknown, request: FastifyRequest): EaselError {
  request.log.error({ err: error }, 'unexpected error');
  return new EaselError('INTERNAL_ERROR', { reference: `request id ${request.id}` });
}

/** An error as the API answers it. */
export function errorBody(e: EaselError): { statusCode: number; code: ErrorCode; error: string; message: string; details?: Record<string, unknown> } {
  return {
    statusCode: e.statusCode,
    code: e.code,
    error: STATUS_CODES[e.statusCode] ?? 'Error',
    message: e.message,
    ...(e.details === undefined ? {} : { details: e.details }),
  };
}

// The message is made by @easel/common's parser-failure answers, which the registry shares and
// which cannot see this table; each is a fixed sentence that quotes no request bytes.
const rawBody = (code: RawErrorCode, message: string) => errorBody(EaselError.relay(code, message));

/** A bad URL or an over-long parameter, found by the router before any route, hook or error handler. */
function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const e = translate(error, bodyTooLarge) ?? unexpected(error, request);
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
  // The first preClose hook: from the moment a stop begins, new requests are refused while the
  // others (the sandbox stopping, waiting workflows answering) run.
  let stopping = false;
  app.addHook('preClose', async () => {
    stopping = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (stopping) {
      void reply.header('connection', 'close');
      throw new EaselError('SHUTTING_DOWN');
    }
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      void reply.header('connection', 'close');
      throw new EaselError('REQUEST_MALFORMED', { reason: 'an HTTP/1.1 request must have a Host header' });
    }
  });
  app.addHook('onRoute', (route) => {
    registered.get(app)?.push({ method: route.method, url: route.url });
  });
  registered.set(app, []);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const e = translate(error, tooLargeFor(request)) ?? unexpected(error, request);
    const retryAfterMs = e.details?.retryAfterMs;
    if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs)) void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    return reply.status(e.statusCode).send(errorBody(e));
  });
  app.setNotFoundHandler((request) => {
    throw new EaselError('ROUTE_NOT_FOUND', { method: request.method, path: shortPath(request.url) });
  });
}

const registered = new WeakMap<FastifyInstance, { method: string | string[]; url: string }[]>();

/** Every route registered after installErrorHandling, as declared (the error-shape test walks them all). */
export function registeredRoutes(app: FastifyInstance): readonly { method: string | string[]; url: string }[] {
  return registered.get(app) ?? [];
}

function shortPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}
