/** Why a bundle or manifest was refused; `problems` names every finding, not only the first. */

/** One finding: `path` is a JSON pointer into plugin.json, or an archive entry path. */
export interface BundleProblem {
  path: string;
  message: string;
}

/** The host's error codes for refused bundles (see host/src/errors/table.ts). */
export type BundleErrorCode = 'BUNDLE_INVALID' | 'BUNDLE_TOO_LARGE' | 'MANIFEST_INVALID';

/**
 * Thrown by `extractBundle` and `packPlugin`.
 *
 * @example
 * ```ts
 * try {
 *   await extractBundle(tgz, dir, DEFAULT_BUNDLE_LIMITS);
 * } catch (err) {
 *   if (err instanceof BundleError) for (const p of err.problems) log(`${p.path}: ${p.message}`);
 * }
 * ```
 */
export class BundleError extends Error {
  readonly code: BundleErrorCode;
  readonly problems: BundleProblem[];

  constructor(code: BundleErrorCode, problems: BundleProblem[], message?: string) {
    super(message ?? summarize(code, problems));
    this.name = 'BundleError';
    this.code = code;
    this.problems = problems;
  }
}

function summarize(code: BundleErrorCode, problems: BundleProblem[]): string {
  const first = problems[0];
  const head = first ? `${first.path}: ${first.message}` : code;
  return problems.length > 1 ? `${head} (and ${problems.length - 1} more)` : head;
}
