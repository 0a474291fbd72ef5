/** The call floor: what every capability may know of the call a bridge request belongs to. */
export { PREVIEW_PREFIX, scopeIdOf, type CallScope, type CallScopes } from './call-scope.ts';
