/** Package revisions: the integer the store keeps, shown as npm's opaque `_rev` string. */
import { createHash } from 'node:crypto';
import { RegistryError } from '../errors/index.ts';
import type { PackageRecord } from '../store/index.ts';

export function revString(name: string, rev: number): string {
  return `${rev}-${createHash('sha256').update(`${name}\0${rev}`).digest('hex').slice(0, 16)}`;
}

/** Throws REVISION_CONFLICT unless `sent` is the package's current `_rev`. */
export function checkRevision(pkg: PackageRecord, sent: string): void {
  const current = revString(pkg.name, pkg.rev);
  if (sent !== current) {
    throw new RegistryError('REVISION_CONFLICT', { sent, current });
  }
}
