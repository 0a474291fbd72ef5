export { errorAnswerOptions, installErrorHandling, registeredRoutes, type RegisteredRoute } from './error-handler.ts';
export { installJsonParser } from './json-body.ts';
export { rewriteScopedUrl } from './scoped-urls.ts';
export { createPublishGate, type PublishGate } from './publish-gate.ts';
export { serializeRequest } from './log-serializers.ts';
export { DOCS_PREFIX, installOpenApi, OPENAPI_PATH } from './openapi.ts';
export { validationOptions } from './validation.ts';
