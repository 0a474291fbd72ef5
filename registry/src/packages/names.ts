/** npm package names and tarball file names. */
import { RegistryError } from '../errors/index.ts';

// npm's rules for new packages: lowercase, URL-safe, optional scope, at most 214 characters.
const NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

export function isPackageName(name: string): boolean {
  return name.length <= 214 && NAME.test(name);
}

/** Throws PACKAGE_NAME_INVALID unless `name` is a valid npm package name. */
export function checkPackageName(name: string): string {
  if (!isPackageName(name)) throw new RegistryError('PACKAGE_NAME_INVALID', { name: JSON.stringify(name.slice(0, 220)) });
  return name;
}

/** `@scope/name` -> `name`. */
export function unscoped(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** The file name npm gives a tarball: `name-1.0.0.tgz` (no scope). */
export function tarballFile(name: string, version: string): string {
  return `${unscoped(name)}-${version}.tgz`;
}

/** The version a tarball file name stands for, or undefined when it is not one of this package's. */
export function versionOfTarball(name: string, file: string): string | undefined {
  const prefix = `${unscoped(name)}-`;
  if (!file.startsWith(prefix) || !file.endsWith('.tgz')) return undefined;
  return file.slice(prefix.length, -'.tgz'.length);
}

/** The path the registry serves a tarball at (scoped names unencoded, as npmjs does). */
export function tarballPath(name: string, version: string): string {
  return `/${name}/-/${tarballFile(name, version)}`;
}
