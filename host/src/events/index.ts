/** The host's internal event bus: services announce, observers (metrics, the audit log) subscribe. */
export { EventBus, type HostEvent, type HostEventOf } from './event-bus.ts';
