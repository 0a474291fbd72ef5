/**
 * `@easel/sdk/bundle`: manifest validation, packing and safe extraction of plugin bundles.
 * The CLI, the registry and the host all use this one module, so what `easel pack` accepts,
 * what the registry publishes and what the host installs cannot disagree.
 */
export { buildPluginScript, findEntry, type BuiltScript } from './build-script.ts';
export { BundleError, type BundleErrorCode, type BundleProblem } from './errors.ts';
export { extractBundle, extractPackage, type BundleFile, type ExtractedBundle, type ExtractedPackage } from './extract.ts';
export { integrityOf, sha256Hex } from './integrity.ts';
export { DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './limits.ts';
export { packPlugin, type PackedPlugin } from './pack.ts';
export { validateManifest, type ManifestProblem, type ManifestValidation } from './validate-manifest.ts';
export { linearRegExpEngine } from './linear-regexp.ts';
export { canonicalJson, checkFiles, keyIdOf, signNpmVersion, signStatement, verifyNpmVersion, verifyStatement, type FileStatement, type RegistrySignature, type TrustedKey, type VerifyResult } from './signing.ts';
