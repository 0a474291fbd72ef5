/**
 * `<dataDir>/host.pid`: the pid of the host serving from that data folder, written once it
 * listens and removed when it exits, so `./run stop` knows what to signal. A host killed
 * outright leaves the file behind; `./run stop` and a later start treat a pid whose process
 * is gone as stale.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-file.ts';

export const PID_FILE = 'host.pid';

export interface PidFile {
  path: string;
  /** Removes the file if it still names this process (synchronous: runs in an `exit` handler). */
  remove(): void;
}

export async function writePidFile(dataDir: string): Promise<PidFile> {
  const path = join(dataDir, PID_FILE);
  const mine = String(process.pid);
  await writeFileAtomic(path, `${mine}\n`, 0o644);
  return {
    path,
    remove() {
      try {
        // Another host started on the same folder since then owns the file now.
        if (readFileSync(path, 'utf8').trim() === mine) unlinkSync(path);
      } catch {
        // Already gone.
      }
    },
  };
}

/** The pid in `<dataDir>/host.pid` when that process is alive, else undefined. */
export async function livePid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, PID_FILE), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
