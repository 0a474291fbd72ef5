export { ERROR_TABLE, type ErrorCode } from './table.ts';
export { EaselError, isErrorCode } from './easel-error.ts';
export { cancelledBy } from './cancelled-by.ts';
