import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../atomic-file.ts';
import { type ApiKeyRepository, newApiKey } from '../store/index.ts';

/**
 * The first admin key: EASEL_ADMIN_TOKEN when set (stored hashed, idempotent), otherwise a
 * random key generated when no key exists yet. Only the key's hash goes into the store; a
 * generated key is also written to `keyFile` (mode 0600) before its hash is stored, so a
 * start that fails later (a port in use) cannot lose it, and the next start finds it there.
 */
const CONFIGURED_LABEL = 'EASEL_ADMIN_TOKEN';

/** Where this start's admin key comes from, for the start banner. */
export type AdminKeySource =
  /** EASEL_ADMIN_TOKEN; no file is written. */
  | { kind: 'configured' }
  /** Generated at this start (no key existed): shown once, and kept in `file`. */
  | { kind: 'generated'; key: string; file: string }
  /** Generated at an earlier start; `file` still holds a valid admin key. */
  | { kind: 'file'; file: string }
  /** Keys exist, and `file` is missing or holds a key that no longer works (revoked). */
  | { kind: 'elsewhere'; file: string; stale: boolean };

export async function ensureAdminKey(keys: ApiKeyRepository, adminToken: string | undefined, keyFile: string): Promise<AdminKeySource> {
  if (adminToken !== undefined) {
    const { id } = await keys.createWithKey(adminToken, { role: 'admin', label: CONFIGURED_LABEL });
    // Changing EASEL_ADMIN_TOKEN rotates it: the token it replaced stops working. Admin keys
    // created over the API are left alone.
    for (const key of await keys.list()) {
      if (key.label === CONFIGURED_LABEL && key.id !== id && key.revokedAt === undefined) await keys.revoke(key.id);
    }
    return { kind: 'configured' };
  }
  if ((await keys.count()) > 0) return keyFileStatus(keys, keyFile);
  // File first: a crash between the two steps leaves a key file whose hash was never stored,
  // and the next start (still no key) replaces it. The other order could store a hash whose
  // key nobody has.
  const key = newApiKey();
  await writeFileAtomic(keyFile, `${key}\n`, 0o600);
  await keys.createWithKey(key, { role: 'admin', label: 'first admin (generated)' });
  return { kind: 'generated', key, file: keyFile };
}

async function keyFileStatus(keys: ApiKeyRepository, file: string): Promise<AdminKeySource> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'elsewhere', file, stale: false };
    throw error;
  }
  const found = await keys.verify(text.trim());
  return found?.role === 'admin' ? { kind: 'file', file } : { kind: 'elsewhere', file, stale: true };
}
