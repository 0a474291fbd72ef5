export { resolve } from './resolve.ts';
export { dependentsClosure, dependentsOf, findCycle, topologicalOrder, type Dependent, type InstalledNode } from './graph.ts';
export type {
  Action,
  CandidateVersion,
  ConsideredVersion,
  Explanation,
  PackageInfo,
  RejectReason,
  Requirement,
  ResolveRequest,
  ResolveResult,
  Warning,
} from './types.ts';
