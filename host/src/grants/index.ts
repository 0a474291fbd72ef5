/** How grants compare with what a manifest requests. */
export { exceeds, intersect } from './grants.ts';
