/** Small helpers shared by the SQLite repositories. */
import type BetterSqlite3 from 'better-sqlite3';

export type Db = BetterSqlite3.Database;

export { defined, fromJson, now, pluginNotFound, toJson } from '../rows/common.ts';
