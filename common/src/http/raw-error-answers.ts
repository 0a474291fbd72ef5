/**
 * Answers Node's HTTP server gives on its own, before a request reaches Fastify: a request it
 * cannot parse (`clientError`), an `Expect` it does not meet (`checkExpectation`) and a
 * CONNECT tunnel request (`connect`). Node and Fastify answer these with bodies of their own
 * (no code) or none at all; these handlers answer them in the service's error shape with a
 * code of its table, as a whole HTTP/1.1 response that closes the connection: after a parse
 * error nothing else on the socket can be trusted to start a request.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The codes these answers use; each service's error table has them all. */
export type RawErrorCode = 'REQUEST_MALFORMED' | 'HEADERS_TOO_LARGE' | 'REQUEST_TIMEOUT' | 'EXPECTATION_FAILED' | 'ROUTE_NOT_FOUND';

/** The service's error shape. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

/** Builds the body for a code from the service's own table (its status, its `error` text). */
export type ErrorBodyOf = (code: RawErrorCode, message: string) => ErrorBody;

/** What Node's parser (or its request timer) raised, as a code and a message that quotes no request bytes. */
export function parserFailure(error: Error & { code?: unknown; reason?: unknown }): { code: RawErrorCode; message: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'REQUEST_TIMEOUT', message: 'the request did not arrive in time' };
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'HEADERS_TOO_LARGE', message: 'the request line and headers are over the size limit' };
  }
  // llhttp's codes and reasons are fixed strings; anything else is left out.
  const code = typeof error.code === 'string' && /^HPE_[A-Z_]{1,40}$/.test(error.code) ? error.code : undefined;
  const reason = code !== undefined && typeof error.reason === 'string' && /^[\w ,.'-]{1,80}$/.test(error.reason) ? error.reason : undefined;
  const detail = code === undefined ? '' : reason === undefined ? ` (${code})` : `: ${reason} (${code})`;
  return { code: 'REQUEST_MALFORMED', message: `the request is not well-formed HTTP${detail}` };
}

/** A whole HTTP/1.1 response carrying `body` as JSON, that tells the client the connection ends. */
export function rawResponse(body: ErrorBody): string {
  const json = JSON.stringify(body);
  return [
    `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode] ?? 'Error'}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(json)}`,
    'connection: close',
    '',
    json,
  ].join('\r\n');
}

/** Fastify's `clientErrorHandler`: answers a request Node could not parse, then closes the socket. */
export function clientErrorHandler(bodyOf: ErrorBodyOf): (error: Error, socket: Duplex) => void {
  return (error, socket) => {
    // A reset socket has no one to answer.
    if ((error as { code?: unknown }).code === 'ECONNRESET' || socket.destroyed) return;
    // As Node does: never write into a response whose head is already on the wire.
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && inFlight?.headersSent !== true) {
      const { code, message } = parserFailure(error);
      socket.write(rawResponse(bodyOf(code, message)));
    }
    socket.destroy();
  };
}

/** Answers `Expect` headers other than `100-continue` (Node's own 417 has no body) and CONNECT (Node drops the socket). */
export function answerServerEvents(server: Server, bodyOf: ErrorBodyOf): void {
  server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) => {
    const json = JSON.stringify(bodyOf('EXPECTATION_FAILED', 'the server meets no expectation but 100-continue'));
    // A body sent after an unmet expectation would be read as the next request: close instead.
    response.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json), connection: 'close' });
    response.end(json);
  });
  server.on('connect', (_request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end(rawResponse(bodyOf('ROUTE_NOT_FOUND', 'CONNECT is not served here')));
  });
}
