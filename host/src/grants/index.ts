/** What a granted permission set allows, and how grants compare with what a manifest requests. */
export { allows, exceeds, intersect, MODEL_TASK_OF } from './grants.ts';
