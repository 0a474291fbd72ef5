/** Router state shared by host processes: per-model quota buckets and cooldowns (see types.ts). */
export { openRouterState } from './sqlite.ts';
export type * from './types.ts';
export { openPgRouterState } from './postgres.ts';
