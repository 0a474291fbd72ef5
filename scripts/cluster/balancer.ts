/**
 * A round-robin HTTP load balancer for `./run cluster`: each request goes to the next replica
 * whose connection opens, streamed both ways (SSE included). A replica that refuses the
 * connection, or answers 503 SHUTTING_DOWN (it is stopping and did not take the request), is
 * skipped for that request; one that fails mid-answer ends that answer, as a real balancer would. Written on node:http: a few lines, where a proxy library would add
 * a dependency for less control over which replica is tried.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  /** Replicas requests may go to (the cluster updates it as replicas come and go). */
  upstreams: string[];
  close(): Promise<void>;
}

export async function startBalancer(options: { host?: string; port?: number; upstreams: string[] }): Promise<Balancer> {
  const upstreams = [...options.upstreams];
  let next = 0;

  // `first`: this request's first replica; each retry takes the one after, so the tries cover every replica once.
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, first: number, tried: number): void => {
    if (tried >= upstreams.length) {
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 502, code: 'NO_REPLICA', error: 'Bad Gateway', message: 'no replica answered' }));
      return;
    }
    const target = new URL(req.url ?? '/', upstreams[(first + tried) % upstreams.length]);
    const upstream = request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      if (answer.statusCode === 503) return retryIfStopping(answer);
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    // A 503 is small: read it whole to tell a stopping replica (try the next) from any other.
    const retryIfStopping = (answer: IncomingMessage) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const text = Buffer.concat(chunks);
        if (/"code":"SHUTTING_DOWN"/.test(text.toString('utf8'))) return forward(req, res, body, first, tried + 1);
        res.writeHead(503, answer.headers);
        res.end(text);
      });
    };
    // Refused before anything was sent back: the next replica gets the request.
    upstream.on('error', () => (res.headersSent ? res.destroy() : forward(req, res, body, first, tried + 1)));
    res.on('close', () => upstream.destroy());
    upstream.end(body);
  };

  const server: Server = createServer((req, res) => {
    // Bodies are read whole first, so a request can be sent again to another replica.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), next++, 0));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    upstreams,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
