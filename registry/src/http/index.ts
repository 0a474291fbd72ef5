export { installErrorHandling } from './error-handler.ts';
export { installJsonParser } from './json-body.ts';
export { rewriteScopedUrl } from './scoped-urls.ts';
