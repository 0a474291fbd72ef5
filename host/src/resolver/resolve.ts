/**
 * Solves the whole installed set plus the admin's requests: one version per plugin, the
 * highest that every range and the host accept, installed versions kept when they still
 * fit. Pure: lookups come from the caller's prefetched packuments.
 */
import semver from 'semver';
import { Catalog } from './catalog.ts';
import { renderMessage } from './explain.ts';
import { topologicalOrder } from './graph.ts';
import { Search, StepLimitReached } from './search.ts';
import type { Action, Explanation, Requirement, ResolveRequest, ResolveResult, Warning } from './types.ts';

const DEFAULT_MAX_STEPS = 10_000;

export function resolve(request: ResolveRequest): ResolveResult {
  const { installed, requests, hostVersion } = request;
  if (semver.valid(hostVersion) === null) throw new TypeError(`host version "${hostVersion}" is not a semver version`);
  const targeted = new Set(requests.map((r) => r.name));
  const catalog = new Catalog(request.packages, { hostVersion, includePrerelease: request.includePrerelease === true, installed });
  const kept = Object.keys(installed).filter((n) => !targeted.has(n)).sort();
  const roots: Requirement[] = [
    ...kept.map((name) => ({ name, range: '*', by: 'installed' })),
    ...requests.map((r) => ({ name: r.name, range: r.range, by: 'root' })),
  ];
  const prefer = Object.fromEntries(kept.map((n) => [n, installed[n]!]));
  const search = new Search(catalog, roots, prefer, request.maxSteps ?? DEFAULT_MAX_STEPS);
  try {
    if (!search.run()) return failure(search, installed);
  } catch (error) {
    if (error instanceof StepLimitReached) return stepLimit(search, installed);
    throw error;
  }
  return success(search, installed);
}

function success(search: Search, installed: Record<string, string>): ResolveResult {
  const graph: Record<string, string[]> = {};
  for (const [name, d] of search.decisions) graph[name] = Object.keys(d.cand.dependencies);
  const sorted = topologicalOrder(graph);
  // The search refuses cycles as it goes, so a solution is always a DAG.
  if (!sorted.ok) throw new Error(`resolver returned a cycle: ${sorted.cycle.join(' -> ')}`);
  const solution: Record<string, { version: string; action: Action }> = {};
  const warnings: Warning[] = [];
  for (const name of sorted.order) {
    const { version, deprecated, yanked } = search.decisions.get(name)!.cand;
    const before = installed[name];
    const action: Action = before === undefined ? 'install' : before === version ? 'keep' : semver.gt(version, before) ? 'upgrade' : 'downgrade';
    solution[name] = { version, action };
    if (deprecated !== undefined) warnings.push({ name, version, message: `deprecated: ${deprecated}` });
    if (yanked) warnings.push({ name, version, message: 'yanked; kept because it is installed' });
  }
  return { ok: true, solution, order: sorted.order, warnings };
}

function failure(search: Search, installed: Record<string, string>): ResolveResult {
  const best = search.best?.diagnosis;
  if (!best) throw new Error('resolver failed without recording a conflict');
  const { headline: _headline, ...diagnosis } = best;
  const details: Explanation = { ...diagnosis, steps: search.steps, log: search.log };
  const code = best.kind === 'missing' ? 'PACKAGE_NOT_FOUND' : best.kind === 'cycle' ? 'RESOLVE_CYCLE' : 'RESOLVE_CONFLICT';
  return { ok: false, code, message: renderMessage(best, installed), details };
}

function stepLimit(search: Search, installed: Record<string, string>): ResolveResult {
  const best = search.best?.diagnosis;
  const suggestion = 'narrow the requested ranges (or pin versions) so fewer combinations remain';
  const head = `gave up after ${search.steps - 1} steps without finding a consistent set of versions`;
  const details: Explanation = {
    kind: 'step-limit',
    package: best?.package ?? '',
    requirements: best?.requirements ?? [],
    chain: best?.chain ?? [],
    considered: best?.considered ?? [],
    suggestion,
    steps: search.steps - 1,
    log: search.log,
  };
  const closest = best ? `\nclosest conflict: ${renderMessage(best, installed)}` : '';
  return { ok: false, code: 'RESOLVE_CONFLICT', message: `${head}; suggestion: ${suggestion}${closest}`, details };
}
