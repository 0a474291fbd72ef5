/** API key rows as both stores keep them: only sha256(key), never the key. */
import { createHash, randomBytes } from 'node:crypto';
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
