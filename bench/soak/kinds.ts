/** What every traffic kind shares: the soak's state, and recording an answer. */
import { judge, type Recorder, type Verdict } from './record.ts';
import type { Installed } from './setup.ts';
import type { Reply } from './client.ts';
import type { Rng } from './rng.ts';

export type Lane = 'app' | 'hostile' | 'admin';

export interface Soak {
  url: string;
  keys: { admin: string; app: string; other: string };
  rec: Recorder;
  installed: Installed;
  /** The version of soak-steady uploaded last. */
  steadyVersion: '1.0.0' | '1.1.0';
  /** Times (seconds since traffic started) soak-steady was disabled: from the disable request until its enable answered. */
  steadyDisabled: { from: number; to: number }[];
  /** What the admin lane did and when (seconds since traffic started), to tell what an unexpected answer met. */
  adminLog: { from: number; to: number; op: string }[];
  /** Post ids post-creation made, by app key and user: post-enhancement and post-illustration need one of the user's own. */
  posts: Map<string, string[]>;
  /** No new request starts after this (performance.now()). */
  endsAt: number;
}

export interface Kind {
  name: string;
  lane: Lane;
  weight: number;
  /** `key`: the API key of the client running it (each app client has its own app key). */
  run(s: Soak, rng: Rng, key: string): Promise<void>;
}

/** Judges an HTTP answer against the codes `kind` expects, and records it. */
export function record(s: Soak, kind: string, reply: Reply, limits: readonly string[] = []): Verdict {
  const verdict = reply.status === 0 ? 'unexpected' : judge(reply.status, reply.code, limits);
  s.rec.add(kind, verdict, { status: reply.status, code: reply.status !== 0 && reply.code === undefined && verdict === 'unexpected' ? 'UNCODED' : reply.code, message: reply.message, ms: reply.ms });
  return verdict;
}

/** Records a check of an answer that came back 2xx but was wrong (`code` names the check). */
export function wrong(s: Soak, kind: string, code: string, message: string, ms: number): void {
  s.rec.add(kind, 'unexpected', { status: 200, code, message, ms });
}

/** Whether a call from `from` to `to` (seconds) overlapped a time soak-steady was disabled. */
export function overlapsDisable(s: Soak, from: number, to: number): boolean {
  const now = s.rec.now();
  return s.steadyDisabled.some((w) => w.from <= to && (Number.isFinite(w.to) ? w.to : now) >= from);
}

/** The admin operations that ran from `from` to `to` (seconds), as text for an unexpected answer's message. */
export function adminDuring(s: Soak, from: number, to: number): string {
  const now = s.rec.now();
  const ops = s.adminLog.filter((e) => e.from <= to && (Number.isFinite(e.to) ? e.to : now) >= from).map((e) => `${e.op} ${e.from.toFixed(1)}s-${Number.isFinite(e.to) ? `${e.to.toFixed(1)}s` : 'now'}`);
  return ops.length > 0 ? ` [admin meanwhile: ${ops.join(', ')}]` : ' [no admin operation meanwhile]';
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The app's end users: a handful, so that usage and posts accumulate per user (ASCII: a header value is Latin-1). */
export const USERS = ['ada', 'grace', 'linus', 'margaret', 'ken', 'minji', 'seojun'] as const;
