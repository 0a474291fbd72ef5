/** The registry's persistent state: users, tokens, packages, versions, tags, downloads. */
export { openStore } from './sqlite/open-store.ts';
export { StoreSchemaError } from './sqlite/migrate.ts';
export type * from './types.ts';
