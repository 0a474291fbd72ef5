/** Small helpers shared by the SQLite repositories. */
import type BetterSqlite3 from 'better-sqlite3';

export type Db = BetterSqlite3.Database;

export const now = (): string => new Date().toISOString();

/** NULL columns become absent properties, not `undefined` ones. */
export function defined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
