/** What the host tells operators: Prometheus metrics and audit rows, both fed by the event bus. */
export { HostMetrics } from './metrics.ts';
export { AuditSubscriber } from './audit-subscriber.ts';
