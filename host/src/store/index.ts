/**
 * The host's persistent state behind async repository interfaces (types.ts); SQLite is
 * the embedded implementation.
 */
export { openStore } from './sqlite/open-store.ts';
export { newApiKey } from './sqlite/api-keys.ts';
export { StoreSchemaError } from '@easel/common/sqlite/migrate';
export type * from './types.ts';
