/** Response shapes of apps (tenants), their keys and budgets. */
import { amount, list, object, text, time } from './common.ts';

const role = { enum: ['admin', 'app'] } as const;

export const app = object({ id: text, name: text, createdAt: time }, ['id', 'name', 'createdAt']);

export const keyInfo = object(
  {
    id: text,
    role,
    label: text,
    appId: { ...text, description: 'the app an app key belongs to; absent for admin keys' },
    createdAt: time,
    revokedAt: time,
  },
  ['id', 'role', 'label', 'createdAt'],
);

export const appDetail = object({ id: text, name: text, createdAt: time, keys: list(keyInfo, 'oldest first, revoked ones included') }, ['id', 'name', 'createdAt', 'keys']);

export const keyCreated = object(
  { id: text, key: { ...text, description: 'the key itself: shown only here, the host keeps its hash' }, role, label: text, appId: text },
  ['id', 'key', 'role', 'label'],
);

export const budgetStatus = object(
  {
    scope: { enum: ['app', 'user'] },
    appId: text,
    userId: { ...text, description: 'for the user scope' },
    monthlyUsd: { ...amount, description: 'absent when there is no budget (no limit at this scope)' },
    month: { type: 'string', pattern: '^[0-9]{4}-[0-9]{2}$', description: 'YYYY-MM, UTC' },
    spentUsd: amount,
    reservedUsd: { ...amount, description: 'held by calls in flight' },
    updatedAt: time,
  },
  ['scope', 'appId', 'month', 'spentUsd', 'reservedUsd'],
);
