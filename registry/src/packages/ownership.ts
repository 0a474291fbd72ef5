/** Who may change a package: its owners, and the admin token (takedowns). */
import { RegistryError } from '../errors/index.ts';
import type { PackageRecord, Principal } from '../store/index.ts';

export function assertCanWrite(pkg: PackageRecord, principal: Principal): void {
  if (principal.role === 'admin') return;
  if (!pkg.owners.includes(principal.name)) {
    throw new RegistryError('NOT_OWNER', { user: principal.name, target: pkg.name, owners: pkg.owners.join(', ') });
  }
}
