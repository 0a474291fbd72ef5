/**
 * PubGrub-style failure explanations: why no version of a plugin could be chosen, every
 * version with its reason, and what the admin could change.
 */
import semver from 'semver';
import type { Catalog } from './catalog.ts';
import type { ConsideredVersion, Explanation, Requirement } from './types.ts';

export type Diagnosis = Pick<Explanation, 'kind' | 'package' | 'requirements' | 'chain' | 'considered' | 'suggestion' | 'cycle'> & { headline: string };

export function diagnose(catalog: Catalog, name: string, requirements: Requirement[], chain: Requirement[]): Diagnosis {
  const base = { package: name, requirements, chain };
  if (!catalog.versions(name)) {
    const by = [...new Set(requirements.map((r) => r.by))].join(', ');
    const headline = `${name} is not in any configured registry (required by ${by})`;
    return { ...base, kind: 'missing', considered: [], headline, suggestion: `publish ${name}, add the registry that has it, or drop the plugins that require it` };
  }
  const pair = conflictingPair(catalog, name, requirements);
  const headline = pair
    ? `no version of ${name} satisfies both ${pair[0].range} (${pair[0].by}) and ${pair[1].range} (${pair[1].by})`
    : `no version of ${name} satisfies ${requirements.map((r) => `${r.range} (${r.by})`).join(', ')}`;
  const cons = considered(catalog, name, requirements);
  const onHost = cons.some((c) => c.reason === 'host-range') ? ` and runs on host ${catalog.policy.hostVersion}` : '';
  const hints = [...rangeHints(requirements), ...eligibilityHints(catalog, name, requirements), ...(pair ? pairHints(catalog, name, pair) : [])];
  return { ...base, kind: 'conflict', considered: cons, headline: headline + onHost, suggestion: hints.join('; ') || headline };
}

/** `edges` go round the cycle: a@1.2.0 requires b, b@2.0.0 requires a. */
export function diagnoseCycle(edges: Requirement[], chain: Requirement[]): Diagnosis {
  const cycle = [...edges.map((e) => e.by), `${edges.at(-1)!.name}@${edges.at(-1)!.range}`];
  const names = [...new Set(edges.map((e) => e.name))].sort().join(', ');
  const suggestion = `plugins in a cycle cannot be enabled dependencies-first; ask the authors of ${names} to break it`;
  return { kind: 'cycle', package: edges.at(-1)!.name, requirements: edges, chain, considered: [], suggestion, cycle, headline: `dependency cycle: ${cycle.join(' -> ')}` };
}

/** Every published version, newest first, with the first reason it was not chosen. */
export function considered(catalog: Catalog, name: string, reqs: Requirement[]): ConsideredVersion[] {
  const host = catalog.policy.hostVersion;
  return (catalog.versions(name) ?? []).map((v): ConsideredVersion => {
    const bad = catalog.ineligible(name, v);
    if (bad === 'yanked') return { version: v.version, reason: 'yanked', detail: 'yanked' };
    if (bad === 'host-range') return { version: v.version, reason: 'host-range', detail: `needs host ${v.hostRange}; host is ${host}` };
    const failing = catalog.failing(name, v, reqs);
    if (failing.length === 0) return { version: v.version, reason: 'acceptable', detail: 'fits these ranges; ruled out by other choices' };
    if (failing.every((r) => catalog.satisfies(name, v.version, r.range, true))) {
      return { version: v.version, reason: 'prerelease', detail: 'prerelease, not asked for' };
    }
    return { version: v.version, reason: 'conflict', detail: `conflicts with ${failing.map(describe).join(', ')}` };
  });
}

export function renderMessage(d: Diagnosis, installed: Record<string, string>): string {
  const lines = [`${d.headline}.`];
  for (const r of d.chain) lines.push(`  ${r.by === 'installed' ? `${r.name}@${installed[r.name]} is installed` : `${r.by} requires ${r.name}@${r.range}`}`);
  if (d.considered.length > 0) {
    lines.push(`versions of ${d.package} considered:`);
    const shown = d.considered.slice(0, 20);
    for (const c of shown) lines.push(`  ${c.version}: ${c.detail}`);
    if (d.considered.length > shown.length) lines.push(`  ... and ${d.considered.length - shown.length} older`);
  }
  lines.push(`suggestion: ${d.suggestion}`);
  return lines.join('\n');
}

function describe(r: Requirement): string {
  return semver.validRange(r.range) === null ? `${r.by} (invalid range "${r.range}")` : `${r.by} (${r.range})`;
}

/** Two ranges that no eligible version satisfies together, though each alone is satisfiable. */
function conflictingPair(catalog: Catalog, name: string, reqs: Requirement[]): [Requirement, Requirement] | undefined {
  const ranged = reqs.filter((r) => r.by !== 'installed' && catalog.viable(name, [r]).length > 0);
  // The newest requirement is usually the one that broke things: pair it first.
  for (let j = ranged.length - 1; j > 0; j--) {
    for (let i = 0; i < j; i++) {
      if (catalog.viable(name, [ranged[i]!, ranged[j]!]).length === 0) return [ranged[i]!, ranged[j]!];
    }
  }
  return undefined;
}

function rangeHints(reqs: Requirement[]): string[] {
  return reqs.filter((r) => semver.validRange(r.range) === null).map((r) => `"${r.range}" (${r.by}) is not a valid semver range`);
}

/** Host range, yanks and prereleases: the versions the ranges accept but the policy does not. */
function eligibilityHints(catalog: Catalog, name: string, reqs: Requirement[]): string[] {
  const all = catalog.versions(name) ?? [];
  const host = catalog.policy.hostVersion;
  const inRange = all.filter((v) => catalog.failing(name, v, reqs).length === 0);
  const hints: string[] = [];
  const unyanked = inRange.filter((v) => catalog.ineligible(name, v) !== 'yanked');
  if (inRange.length > 0 && unyanked.length === 0) hints.push(`every version of ${name} in range is yanked`);
  if (unyanked.length > 0 && unyanked.every((v) => !catalog.hostAccepts(v))) {
    const wanted = unyanked[0]!;
    const side = semver.ltr(host, wanted.hostRange) ? 'too old' : semver.gtr(host, wanted.hostRange) ? 'too new' : 'incompatible';
    const compatible = catalog.viable(name, []).find((v) => semver.prerelease(v.version) === null || catalog.policy.includePrerelease);
    const tail = compatible ? `newest compatible is ${compatible.version}` : `no version of ${name} supports host ${host}`;
    hints.push(`host ${host} is ${side} for ${name}@${wanted.version} (needs host ${wanted.hostRange}); ${tail}`);
  }
  const loose = all.filter((v) => !catalog.ineligible(name, v) && reqs.every((r) => catalog.satisfies(name, v.version, r.range, true)));
  if (inRange.length === 0 && loose.length > 0) hints.push(`only prereleases of ${name} match (newest ${loose[0]!.version}); allow prereleases to choose one`);
  return hints;
}

/** For each side of a conflicting pair: which other version of the requirer would get along. */
function pairHints(catalog: Catalog, name: string, pair: [Requirement, Requirement]): string[] {
  const hints: string[] = [];
  for (const [side, other] of [[pair[0], pair[1]], [pair[1], pair[0]]] as const) {
    if (side.by === 'root') {
      hints.push(`ask for ${name}@${other.range} instead of ${side.range}`);
      continue;
    }
    const at = side.by.lastIndexOf('@');
    const requirer = side.by.slice(0, at);
    const current = side.by.slice(at + 1);
    const fits = (catalog.versions(requirer) ?? []).find((v) => {
      if (v.version === current || catalog.ineligible(requirer, v) || (semver.prerelease(v.version) && !catalog.policy.includePrerelease)) return false;
      const dep = v.dependencies[name];
      return dep === undefined || catalog.viable(name, [other, { name, range: dep, by: requirer }]).length > 0;
    });
    if (!fits) {
      const installed = catalog.isInstalled(requirer, current) ? ` (uninstall ${requirer} to go ahead)` : '';
      hints.push(`no version of ${requirer} accepts ${name}@${other.range}${installed}`);
      continue;
    }
    const verb = semver.gt(fits.version, current) ? 'upgrade' : 'downgrade';
    const dep = fits.dependencies[name];
    hints.push(`${verb} ${requirer} to ${fits.version}, which ${dep === undefined ? `does not need ${name}` : `accepts ${name}@${dep}`}`);
  }
  return hints;
}
