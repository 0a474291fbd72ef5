export { ExecutionService, type AgentCall, type AgentResult, type ExecutionView, type Finished, type Started, type WorkflowCall } from './execution-service.ts';
export { ExecutionEvents, type ExecutionEvent } from './execution-events.ts';
export { recordedLifecycle } from './lifecycle-events.ts';
export { ExecutionGate } from './gate.ts';
export { KeySlots } from './key-slots.ts';
export { StepRunner } from './step-runner.ts';
export * from './scopes.ts';
export { WorkflowPreview, type Preview } from './preview.ts';
