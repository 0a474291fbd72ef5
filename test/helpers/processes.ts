/**
 * Finds a host's whole process tree, orphans included, without knowing its pids: the test puts
 * a marker folder at the end of the host's PATH, which its sandbox workers inherit (their
 * environment keeps PATH), and looks for live processes whose environment holds the marker.
 * Linux only (/proc).
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/** A PATH that finds what process.env.PATH finds, with a marker no other process carries. */
export function markedPath(): { PATH: string; marker: string } {
  const marker = `/nonexistent/easel-test-${randomUUID()}`;
  return { PATH: `${process.env.PATH ?? '/usr/bin:/bin'}:${marker}`, marker };
}

/** Pids of the live processes started with `marker` in their environment (zombies have none). */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    if (environ.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}
