/**
 * The host's persistent state behind async repository interfaces (types.ts); SQLite is
 * the embedded implementation, PostgreSQL the shared one.
 */
export { openStore } from './sqlite/open-store.ts';
export { openPostgresStore } from './postgres/open-store.ts';
export { StoreStartError } from './store-start-error.ts';
export { anythingMayHaveChanged } from './store-change.ts';
export { newApiKey } from './sqlite/api-keys.ts';
export { StoreSchemaError } from '@easel/common/sqlite/migrate';
export type * from './types.ts';
