import type { ApiKeyRepository } from '../store/index.ts';

/**
 * The first admin key: EASEL_ADMIN_TOKEN when set (stored hashed, idempotent), otherwise a
 * random key generated when no key exists yet. Returns the generated key so it can be shown
 * once; it is never stored or logged in clear.
 */
const CONFIGURED_LABEL = 'EASEL_ADMIN_TOKEN';

export async function ensureAdminKey(keys: ApiKeyRepository, adminToken: string | undefined): Promise<string | undefined> {
  if (adminToken !== undefined) {
    const { id } = await keys.createWithKey(adminToken, { role: 'admin', label: CONFIGURED_LABEL });
    // Changing EASEL_ADMIN_TOKEN rotates it: the token it replaced stops working. Admin keys
    // created over the API are left alone.
    for (const key of await keys.list()) {
      if (key.label === CONFIGURED_LABEL && key.id !== id && key.revokedAt === undefined) await keys.revoke(key.id);
    }
    return undefined;
  }
  if ((await keys.count()) > 0) return undefined;
  const { key } = await keys.create({ role: 'admin', label: 'first admin (generated)' });
  return key;
}
