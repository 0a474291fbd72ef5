export { errorAnswerOptions, installErrorHandling, registeredRoutes } from './error-handler.ts';
export { installJsonParser } from './json-body.ts';
export { rewriteScopedUrl } from './scoped-urls.ts';
export { createPublishGate, type PublishGate } from './publish-gate.ts';
export { serializeRequest } from './log-serializers.ts';
