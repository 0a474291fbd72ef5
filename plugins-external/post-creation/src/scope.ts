/**
 * Whose posts: every post belongs to the caller that created it, the app AND its end user
 * (user ids are chosen by each app, so the same user id under two apps is two people).
 * Keys carry a hash of both, so another caller's lookups never reach them; the record also
 * keeps the owner, which is checked again on every read.
 */
import type { Caller, Context } from '@easel/sdk';
import { sha256Hex, utf8 } from './sha256.ts';

export interface Owner {
  app: string | null;
  user: string;
}

export interface Scope {
  owner: Owner;
  /** 32 hex characters of SHA-256 over the owner: short enough for kv and storage keys at any user id length. */
  id: string;
}

/** The caller of this execution, or an error: a host that does not say who calls cannot keep posts apart. */
export function scopeOf(ctx: Pick<Context, 'caller'>): Scope {
  const caller = (ctx as { caller?: Caller }).caller;
  if (caller === undefined || caller === null || typeof caller.user !== 'string' || caller.user === '' || (caller.app !== null && typeof caller.app !== 'string')) {
    throw new Error('this host does not say who the caller is (ctx.caller); post-creation keeps posts per app and user and cannot run without it');
  }
  const owner = { app: caller.app, user: caller.user };
  return { owner, id: scopeId(owner) };
}

/** The hash of an owner. JSON keeps `null` and `"null"` apart, and app and user cannot bleed into each other. */
export function scopeId(owner: Owner): string {
  return sha256Hex(utf8(JSON.stringify([owner.app, owner.user]))).slice(0, 32);
}

/** True when the stored owner is this caller. */
export function sameOwner(a: Owner | undefined, b: Owner): boolean {
  return a !== undefined && a !== null && a.app === b.app && a.user === b.user;
}

/** Post ids: letters, digits, `-` and `_`, 1 to 80 characters (the input schemas say the same). */
export const POST_ID = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * The id of the post an execution creates, from its execution id: running the same execution
 * again (a resumed workflow) writes the same keys instead of a second post.
 */
export function postIdFor(executionId: string): string {
  const tail = executionId.replace(/[^A-Za-z0-9-]/g, '').slice(0, 76);
  return `p-${tail === '' ? '0' : tail}`;
}

/** A key segment for one run of an execution (storage keys of the images it stored). */
export function runTagFor(executionId: string): string {
  return executionId.replace(/[^A-Za-z0-9-]/g, '').slice(0, 64) || 'run';
}
