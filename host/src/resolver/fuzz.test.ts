/**
 * Backjumping and nogoods are easy to get subtly wrong, so check the search against brute
 * force on small random registries (cycles included): it must find a solution exactly when
 * an acyclic one exists, and every solution it returns must satisfy every rule.
 */
import semver from 'semver';
import { expect, test } from 'vitest';
import { topologicalOrder } from './graph.ts';
import { type RegistrySpec, solve } from './test-registry.ts';
import type { ResolveRequest } from './types.ts';

const NAMES = ['a', 'b', 'c', 'd', 'e'];
const VERSIONS = ['1.0.0', '1.1.0', '2.0.0', '2.1.0-beta.1'];
const RANGES = ['^1', '^2', '*', '>=1.1.0', '~1.0.0', '^2.1.0-beta.0', '1.0.0 || 2.0.0'];

function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
}

function makeCase(seed: number): { spec: RegistrySpec; request: Omit<ResolveRequest, 'packages'> } {
  const rnd = random(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(rnd() * list.length)]!;
  const spec: RegistrySpec = {};
  for (const name of NAMES) {
    if (rnd() < 0.1) continue;
    spec[name] = {};
    for (const version of VERSIONS) {
      if (rnd() < 0.3) continue;
      const dependencies: Record<string, string> = {};
      for (const dep of NAMES) if (dep !== name && rnd() < 0.3) dependencies[dep] = pick(RANGES);
      spec[name][version] = { dependencies, hostRange: rnd() < 0.15 ? '^2' : '^1', yanked: rnd() < 0.1 };
    }
  }
  const installed: Record<string, string> = {};
  for (const name of Object.keys(spec)) if (rnd() < 0.3 && Object.keys(spec[name]!).length > 0) installed[name] = pick(Object.keys(spec[name]!));
  const requests = [{ name: pick(NAMES), range: pick(RANGES) }];
  if (rnd() < 0.5) requests.push({ name: pick(NAMES), range: pick(RANGES) });
  return { spec, request: { installed, requests, hostVersion: '1.0.0', includePrerelease: rnd() < 0.2 } };
}

/** Whether `choice` (name -> version, absent = not installed) obeys every rule. */
function valid(spec: RegistrySpec, req: Omit<ResolveRequest, 'packages'>, choice: Record<string, string>): boolean {
  const targeted = new Set(req.requests.map((r) => r.name));
  const ok = (name: string, range: string): boolean => {
    const v = choice[name];
    if (v === undefined) return false;
    const pre = req.includePrerelease === true || req.installed[name] === v;
    return semver.satisfies(v, range, { includePrerelease: pre });
  };
  for (const r of req.requests) if (!ok(r.name, r.range)) return false;
  for (const name of Object.keys(req.installed)) if (!targeted.has(name) && !ok(name, '*')) return false;
  for (const [name, version] of Object.entries(choice)) {
    const v = spec[name]?.[version];
    if (!v || (v.yanked && req.installed[name] !== version) || !semver.satisfies('1.0.0', v.hostRange!)) return false;
    for (const [dep, range] of Object.entries(v.dependencies ?? {})) if (!ok(dep, range)) return false;
  }
  const graph = Object.fromEntries(Object.entries(choice).map(([n, v]) => [n, Object.keys(spec[n]![v]!.dependencies ?? {})]));
  return topologicalOrder(graph).ok;
}

function bruteForce(spec: RegistrySpec, req: Omit<ResolveRequest, 'packages'>): boolean {
  const names = Object.keys(spec);
  const walk = (i: number, choice: Record<string, string>): boolean => {
    if (i === names.length) return valid(spec, req, choice);
    const name = names[i]!;
    if (walk(i + 1, choice)) return true;
    for (const version of Object.keys(spec[name]!)) {
      if (walk(i + 1, { ...choice, [name]: version })) return true;
    }
    return false;
  };
  return walk(0, {});
}

test('agrees with brute force on random small registries', () => {
  let solved = 0;
  let refused = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const { spec, request } = makeCase(seed);
    const result = solve(spec, request);
    const expected = bruteForce(spec, request);
    expect({ seed, found: result.ok }).toEqual({ seed, found: expected });
    if (result.ok) {
      solved++;
      const choice = Object.fromEntries(Object.entries(result.solution).map(([n, s]) => [n, s.version]));
      expect({ seed, valid: valid(spec, request, choice) }).toEqual({ seed, valid: true });
    } else {
      refused++;
      expect(result.details.kind).toBe({ RESOLVE_CONFLICT: 'conflict', RESOLVE_CYCLE: 'cycle', PACKAGE_NOT_FOUND: 'missing' }[result.code]);
    }
  }
  expect(solved).toBeGreaterThan(50);
  expect(refused).toBeGreaterThan(50);
});
