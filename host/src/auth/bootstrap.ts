import type { ApiKeyRepository } from '../store/index.ts';

/**
 * The first admin key: EASEL_ADMIN_TOKEN when set (stored hashed, idempotent), otherwise a
 * random key generated when no key exists yet. Returns the generated key so it can be shown
 * once; it is never stored or logged in clear.
 */
export async function ensureAdminKey(keys: ApiKeyRepository, adminToken: string | undefined): Promise<string | undefined> {
  if (adminToken !== undefined) {
    await keys.createWithKey(adminToken, { role: 'admin', label: 'EASEL_ADMIN_TOKEN' });
    return undefined;
  }
  if ((await keys.count()) > 0) return undefined;
  const { key } = await keys.create({ role: 'admin', label: 'first admin (generated)' });
  return key;
}
