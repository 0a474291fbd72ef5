export type { RouteContext } from './context.ts';
export { distTagRoutes } from './npm/dist-tags.ts';
export { miscRoutes } from './npm/misc.ts';
export { packageRoutes } from './npm/packages.ts';
export { tokenRoutes } from './npm/tokens.ts';
export { userRoutes } from './npm/users.ts';
export { marketplaceRoutes } from './api/packages.ts';
export { ownerRoutes } from './api/owners.ts';
export { yankRoutes } from './api/yank.ts';
