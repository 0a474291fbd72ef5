/** The registry's persistent state: users, tokens, packages, versions, tags, downloads. */
export { openStore } from './sqlite/open-store.ts';
export { openPostgresStore } from './postgres/open-store.ts';
export { tokenKey } from './common/values.ts';
export { RegistryStartError } from './start-error.ts';
export { StoreSchemaError } from '@easel/common/sqlite/migrate';
export type * from './types.ts';
