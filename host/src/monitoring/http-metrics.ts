/**
 * HTTP requests by route pattern, method and status, with their latency. The route is the
 * pattern Fastify matched (`/v1/executions/:id`), never the URL asked for, so series grow with
 * the routes the host registers, not with ids or probes; a request no route matched counts
 * under one fixed label.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

/** The `route` label of requests no route matched (404s, scanners). */
export const UNMATCHED_ROUTE = '(unmatched)';

/** From a health probe to a long wait for a workflow or an event stream, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export class HttpMetrics {
  #requests: Counter<'route' | 'method' | 'status'>;
  #duration: Histogram<'route' | 'method' | 'status'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#requests = new Counter({ name: 'easel_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers });
    this.#duration = new Histogram({ name: 'easel_http_request_duration_seconds', help: 'Time from a request arriving to its answer ending, by route pattern, method and status', labelNames: ['route', 'method', 'status'], buckets: DURATION_BUCKETS, registers });
  }

  /** Counts every answer `app` sends from now on (register it before the routes, on the root instance). */
  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      const labels = { route: req.routeOptions.url ?? UNMATCHED_ROUTE, method: req.method, status: String(reply.statusCode) };
      this.#requests.inc(labels);
      if (Number.isFinite(reply.elapsedTime)) this.#duration.observe(labels, reply.elapsedTime / 1000);
    });
  }
}
