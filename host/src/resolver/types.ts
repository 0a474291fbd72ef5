/** Inputs and outputs of the dependency resolver. Plain data: no I/O happens in this folder. */

export interface CandidateVersion {
  version: string;
  /** Plugin name -> semver range. */
  dependencies: Record<string, string>;
  /** `engines.easel`: the host API versions this version runs on. */
  hostRange: string;
  /** Deprecation message; the version stays resolvable, with a warning. */
  deprecated?: string;
  /** Yanked versions are never chosen fresh; an installed one may be kept. */
  yanked?: boolean;
}

/** One plugin as a registry packument describes it. */
export interface PackageInfo {
  name: string;
  versions: CandidateVersion[];
}

export interface ResolveRequest {
  /** Name -> installed version: the current set, solved again as a whole. */
  installed: Record<string, string>;
  /** What the admin asks to install or upgrade; an installed name with a range is an upgrade. */
  requests: { name: string; range: string }[];
  /** The host's API version, matched against each version's `hostRange`. */
  hostVersion: string;
  /** Prereleases are candidates only when asked, or when a range names one. */
  includePrerelease?: boolean;
  /**
   * Synchronous lookups (the caller prefetches). Installed plugins must be answered too,
   * with their installed version listed: the solver needs its dependencies to keep it.
   */
  packages: (name: string) => PackageInfo | undefined;
  /** Candidate versions tried before giving up; defaults to 10,000. */
  maxSteps?: number;
}

/** A range on a plugin and who put it there: 'root' (the request), 'installed' or 'a@1.2.0'. */
export interface Requirement {
  name: string;
  range: string;
  by: string;
}

export type RejectReason = 'yanked' | 'host-range' | 'prerelease' | 'conflict' | 'acceptable';

export interface ConsideredVersion {
  version: string;
  /** 'acceptable' only in an explanation where other choices, not these ranges, ruled it out. */
  reason: RejectReason;
  detail: string;
}

export interface Explanation {
  kind: 'conflict' | 'missing' | 'cycle' | 'step-limit';
  /** The plugin no version could be found for (the first plugin of a cycle). */
  package: string;
  /** Every range on `package` when it failed. */
  requirements: Requirement[];
  /** Who requires what, from the root down to each requirer of `package`. */
  chain: Requirement[];
  /** Every published version of `package`, newest first, with why it was not chosen. */
  considered: ConsideredVersion[];
  suggestion: string;
  /** For a cycle: `['a@1.2.0', 'b@2.0.0', 'a@^1']`. */
  cycle?: string[];
  steps: number;
  /** The solver's derivation log (capped). */
  log: string[];
}

export type Action = 'keep' | 'install' | 'upgrade' | 'downgrade';

export interface Warning {
  name: string;
  version: string;
  message: string;
}

export type ResolveResult =
  | {
      ok: true;
      solution: Record<string, { version: string; action: Action }>;
      /** Dependencies before dependents. */
      order: string[];
      warnings: Warning[];
    }
  | {
      ok: false;
      code: 'RESOLVE_CONFLICT' | 'RESOLVE_CYCLE' | 'PACKAGE_NOT_FOUND';
      message: string;
      details: Explanation;
    };
