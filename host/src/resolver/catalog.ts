/**
 * Registry lookups and version checks for one resolution. Answers are cached: the search
 * asks the same (version, range) questions over and over, and semver re-parses each time.
 */
import semver from 'semver';
import type { CandidateVersion, PackageInfo, Requirement } from './types.ts';

export interface Policy {
  hostVersion: string;
  includePrerelease: boolean;
  installed: Record<string, string>;
}

export class Catalog {
  readonly policy: Policy;
  readonly #lookup: (name: string) => PackageInfo | undefined;
  readonly #versions = new Map<string, CandidateVersion[] | null>();
  readonly #sat = new Map<string, boolean>();
  readonly #host = new Map<string, boolean>();

  constructor(lookup: (name: string) => PackageInfo | undefined, policy: Policy) {
    this.#lookup = lookup;
    this.policy = policy;
  }

  /** Valid versions, newest first; undefined when no registry knows the name. */
  versions(name: string): CandidateVersion[] | undefined {
    let list = this.#versions.get(name);
    if (list === undefined) {
      const info = this.#lookup(name);
      list = info ? info.versions.filter((v) => semver.valid(v.version) !== null).sort((a, b) => semver.rcompare(a.version, b.version)) : null;
      this.#versions.set(name, list);
    }
    return list ?? undefined;
  }

  isInstalled(name: string, version: string): boolean {
    return this.policy.installed[name] === version;
  }

  hostAccepts(v: CandidateVersion): boolean {
    let ok = this.#host.get(v.hostRange);
    if (ok === undefined) {
      // The host's own version may be a prerelease build; match it like stage-bundle does.
      ok = semver.validRange(v.hostRange) !== null && semver.satisfies(this.policy.hostVersion, v.hostRange, { includePrerelease: true });
      this.#host.set(v.hostRange, ok);
    }
    return ok;
  }

  /** Why a version may not be chosen whatever the ranges say, or undefined. */
  ineligible(name: string, v: CandidateVersion): 'yanked' | 'host-range' | undefined {
    if (v.yanked && !this.isInstalled(name, v.version)) return 'yanked';
    if (!this.hostAccepts(v)) return 'host-range';
    return undefined;
  }

  /** An installed version was accepted once, so its prerelease tag does not exclude it again. */
  satisfies(name: string, version: string, range: string, loose = false): boolean {
    const pre = loose || this.policy.includePrerelease || this.isInstalled(name, version);
    const key = `${version}\u0000${range}\u0000${pre}`;
    let ok = this.#sat.get(key);
    if (ok === undefined) {
      ok = semver.validRange(range) !== null && semver.satisfies(version, range, { includePrerelease: pre });
      this.#sat.set(key, ok);
    }
    return ok;
  }

  /**
   * The requirements `v` fails. Each range is checked on its own with semver's prerelease
   * rule, so adding a requirement only ever removes candidates (the search relies on
   * that). 'installed' requirements are '*': they admit the installed version and no new
   * prerelease.
   */
  failing(name: string, v: CandidateVersion, reqs: readonly Requirement[]): Requirement[] {
    return reqs.filter((r) => !this.satisfies(name, v.version, r.range));
  }

  /** Versions that could be chosen under these requirements, newest first. */
  viable(name: string, reqs: readonly Requirement[]): CandidateVersion[] {
    return (this.versions(name) ?? []).filter((v) => !this.ineligible(name, v) && this.failing(name, v, reqs).length === 0);
  }
}
