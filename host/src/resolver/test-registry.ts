/** A compact in-memory registry for the resolver's tests. */
import { resolve } from './resolve.ts';
import type { CandidateVersion, PackageInfo, ResolveRequest, ResolveResult } from './types.ts';

export type VersionSpec = Partial<Omit<CandidateVersion, 'version'>>;
export type RegistrySpec = Record<string, Record<string, VersionSpec>>;

/** Versions default to no dependencies and host range ^1. */
export function registry(spec: RegistrySpec): (name: string) => PackageInfo | undefined {
  return (name) => {
    const versions = spec[name];
    if (!versions) return undefined;
    return { name, versions: Object.entries(versions).map(([version, v]) => ({ dependencies: {}, hostRange: '^1', ...v, version })) };
  };
}

export function solve(spec: RegistrySpec, request: Partial<Omit<ResolveRequest, 'packages'>>): ResolveResult {
  return resolve({ installed: {}, requests: [], hostVersion: '1.0.0', ...request, packages: registry(spec) });
}

export function versionsOf(result: ResolveResult): Record<string, string> {
  if (!result.ok) throw new Error(`expected a solution, got ${result.code}: ${result.message}`);
  return Object.fromEntries(Object.entries(result.solution).map(([n, s]) => [n, s.version]));
}

export function failed(result: ResolveResult): Extract<ResolveResult, { ok: false }> {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.solution)}`);
  return result;
}
