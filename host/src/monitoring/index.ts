/** What the host tells operators: Prometheus metrics, audit rows and live plugin logs, fed by the event bus. */
export { HostMetrics } from './metrics.ts';
export { AuditSubscriber } from './audit-subscriber.ts';
export { PluginLogStreams, type CallEventData, type LogEventData, type PluginLogEvent } from './plugin-log-streams.ts';
