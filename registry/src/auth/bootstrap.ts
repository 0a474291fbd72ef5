/**
 * The admin token at start: EASEL_REGISTRY_ADMIN_TOKEN is stored (hashed) when set, and
 * every other admin token (an earlier configured one, or a generated one) is revoked, so
 * changing the variable rotates the token. Otherwise, when no admin token exists yet, one is
 * generated and returned to be shown once.
 */
import { randomBytes } from 'node:crypto';
import type { TokenRepository } from '../store/index.ts';

export async function ensureAdminToken(tokens: TokenRepository, configured: string | undefined): Promise<string | undefined> {
  if (configured !== undefined) {
    await tokens.setOnlyAdmin(configured);
    return undefined;
  }
  if ((await tokens.countAdmins()) > 0) return undefined;
  const token = `ereg_admin_${randomBytes(32).toString('base64url')}`;
  await tokens.addAdmin(token);
  return token;
}
