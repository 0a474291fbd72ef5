/**
 * The request as a service logs it: Fastify's default fields, with secrets the URL may
 * carry (a token in a path, a signature in a query) replaced by `redact`.
 */
export interface LoggableRequest {
  method: string;
  url: string;
  host: string;
  ip: string;
  headers?: Record<string, string | string[] | undefined>;
  socket?: { remotePort?: number };
}

export function requestSerializer(redact: (url: string) => string) {
  return (request: LoggableRequest): { method: string; url: string; version?: string; host: string; remoteAddress: string; remotePort?: number } => {
    const version = request.headers?.['accept-version'];
    return {
      method: request.method,
      url: redact(request.url),
      ...(typeof version === 'string' ? { version } : {}),
      host: request.host,
      remoteAddress: request.ip,
      ...(request.socket?.remotePort === undefined ? {} : { remotePort: request.socket.remotePort }),
    };
  };
}
