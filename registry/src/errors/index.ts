export { ERROR_TABLE, type ErrorCode } from './table.ts';
export { RegistryError } from './registry-error.ts';
