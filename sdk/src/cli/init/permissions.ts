/** `easel init --permissions kv,storage,models:text`: what the scaffold asks the admin for. */
import type { ModelTask, Permissions } from '../../manifest.ts';

const MODEL_TASKS: readonly ModelTask[] = ['text', 'structured', 'image', 'embedding'];

/** The words `--permissions` takes, for help and errors. */
export const PERMISSION_WORDS = ['kv', 'storage', 'storage:read', ...MODEL_TASKS.map((t) => `models:${t}`)];

/** Parses the comma list; throws with the unknown words named. */
export function parsePermissions(list: string | undefined): Permissions {
  const words = (list ?? '').split(',').map((w) => w.trim()).filter(Boolean);
  const unknown = words.filter((w) => !PERMISSION_WORDS.includes(w));
  if (unknown.length) throw new Error(`unknown permission ${unknown.map((w) => `"${w}"`).join(', ')}; use ${PERMISSION_WORDS.join(', ')}`);
  const permissions: Permissions = {};
  if (words.includes('kv')) permissions.kv = true;
  if (words.includes('storage')) permissions.storage = { read: true, write: true };
  else if (words.includes('storage:read')) permissions.storage = { read: true };
  const tasks = MODEL_TASKS.filter((t) => words.includes(`models:${t}`));
  if (tasks.length) permissions.models = { tasks, maxTier: 'basic' };
  return permissions;
}
