/** The registry's persistent state: users, tokens, packages, versions, tags, downloads. */
export { openStore } from './sqlite/open-store.ts';
export { tokenKey } from './sqlite/tokens.ts';
export { StoreSchemaError } from '@easel/common/sqlite/migrate';
export type * from './types.ts';
