export { ExecutionService, type AgentCall, type AgentResult } from './execution-service.ts';
