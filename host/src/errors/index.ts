export { ERROR_TABLE, type ErrorCode } from './table.ts';
export { EaselError, errorMessage, isErrorCode, type ErrorArgs, type TemplateOf } from './easel-error.ts';
export { cancelledBy } from './cancelled-by.ts';
