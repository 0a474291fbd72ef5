/** API key rows as both stores keep them: only sha256(key), never the key. */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyInfo, ApiKeyRole } from '../types.ts';
import { defined } from './common.ts';

export const hashOf = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new random API key (256 bits), in the format `create` hands out. */
export const newApiKey = (): string => `esl_${randomBytes(32).toString('base64url')}`;

export interface KeyRow {
  id: string;
  role: ApiKeyRole;
  label: string;
  app_id: string | null;
  created_at: string;
  revoked_at: string | null;
}

export const KEY_COLUMNS = 'id, role, label, app_id, created_at, revoked_at';

export const keyInfo = (row: KeyRow): ApiKeyInfo =>
  defined({ id: row.id, role: row.role, label: row.label, appId: row.app_id ?? undefined, createdAt: row.created_at, revokedAt: row.revoked_at ?? undefined });

/**
 * A new key for `input`: its id, the key, and its app. An admin key belongs to no app
 * (REQUEST_INVALID when one is named); an app key without one gets an app of its own (`ownApp`)
 * whose id is the key's, as every app key became at the upgrade that introduced apps, so
 * ctx.caller.app stays what it was for a key made the old way.
 */
export function newKeyFor(input: { role: ApiKeyRole; appId?: string }): { key: string; id: string; appId: string | null; ownApp: boolean } {
  if (input.role === 'admin' && input.appId !== undefined) throw new EaselError('REQUEST_INVALID', { reason: 'an admin key belongs to no app: send `app` with role app only' });
  const id = randomUUID();
  return { key: newApiKey(), id, appId: input.role === 'admin' ? null : (input.appId ?? id), ownApp: input.role === 'app' && input.appId === undefined };
}
