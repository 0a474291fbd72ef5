export { ExecutionService, type AgentCall, type AgentResult } from './execution-service.ts';
export * from './scopes.ts';
