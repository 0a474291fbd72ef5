/** Who may change a package: its owners, and the admin token (takedowns). */
import { RegistryError } from '../errors/index.ts';
import type { PackageRecord, Principal } from '../store/index.ts';

export function assertCanWrite(pkg: PackageRecord, principal: Principal): void {
  if (principal.role === 'admin') return;
  if (!pkg.owners.includes(principal.name)) {
    throw new RegistryError('NOT_OWNER', `you (${principal.name}) are not an owner of ${pkg.name}; its owners are ${pkg.owners.join(', ')}`);
  }
}
