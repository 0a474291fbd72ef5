/** Packages: names, publish, packuments, marketplace views, and the service that changes them. */
export { checkPackageName, isPackageName, tarballFile, tarballPath, unscoped } from './names.ts';
export { PackageService, type PackageServiceOptions } from './package-service.ts';
export { ABBREVIATED_TYPE, abbreviatedPackument, fullPackument, latestVersion, liveVersions, servedVersion } from './packument.ts';
export { revString } from './revision.ts';
export { isPlugin, packageDetail, packageSummary, searchSummary, versionDetail, versionSummary } from './views.ts';
export { isLibraryName } from './library.ts';
