/**
 * What `easel dev` watches, and when it reloads. The plugin folder's own files count
 * (`plugin.json`, `src/`, a README, any other source folder); build output, dependencies,
 * hidden folders (`.easel/` holds the local host's data, `.git/`) and editor scratch files do
 * not. Saves are debounced into one reload, and a save during a reload queues exactly one
 * more, so the last save is always what ends up loaded.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Top-level folders never watched; hidden ones (`.easel`, `.git`, `.vscode`) are skipped too. */
const IGNORED_DIRS = new Set(['node_modules', 'dist', 'coverage']);
/** Editor scratch files (vim's swap and probe files, emacs locks and backups) and packed bundles. */
const SCRATCH = [/\.sw[a-p]x?$/, /~$/, /^\.#/, /^#.*#$/, /^4913$/, /\.tgz$/];

/** Whether a change to `path` (relative to the plugin folder) is a change to the plugin. */
export function isPluginFile(path: string): boolean {
  const parts = path.split(/[\\/]/).filter(Boolean);
  const [top] = parts;
  const name = parts.at(-1);
  if (top === undefined || name === undefined) return false;
  if (parts.length > 1 && (IGNORED_DIRS.has(top) || top.startsWith('.'))) return false;
  if (parts.some((p) => p === 'node_modules')) return false;
  return !SCRATCH.some((re) => re.test(name));
}

/**
 * Watches `dir`: its top level, and each top-level folder that is not ignored (recursively),
 * so `node_modules` never costs a watcher. Calls `onChange` for every event on a plugin file.
 */
export async function watchPluginFolder(dir: string, onChange: (path: string) => void): Promise<{ close(): void }> {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;
  const add = (name: string, recursive: boolean) => {
    if (closed || watchers.has(name)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(join(dir, name), { recursive }, (_event, file) => {
        const path = name === '' ? String(file ?? '') : join(name, String(file ?? ''));
        if (name === '' && file && isWatchedDir(String(file))) void addIfDir(String(file));
        if (isPluginFile(path)) onChange(path);
      });
    } catch {
      return; // Removed before it could be watched.
    }
    // A watched folder that is removed ends its watcher; a new one of that name is added again.
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(name);
    });
    watchers.set(name, watcher);
  };
  const addIfDir = async (name: string) => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    if (entries.some((e) => e.name === name && e.isDirectory())) add(name, true);
  };
  add('', false);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && isWatchedDir(entry.name)) add(entry.name, true);
  }
  return {
    close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

function isWatchedDir(name: string): boolean {
  return !IGNORED_DIRS.has(name) && !name.startsWith('.');
}

/**
 * Runs `reload` after changes settle for `debounceMs`, one reload at a time. `reload` gets
 * the time of the first change it covers, so it can say how long the change took to serve.
 */
export class ReloadQueue {
  #reload: (since: number) => Promise<void>;
  #debounceMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** When the first change not yet covered by a reload happened. */
  #since: number | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(reload: (since: number) => Promise<void>, debounceMs: number) {
    this.#reload = reload;
    this.#debounceMs = debounceMs;
  }

  /** Something changed now. */
  changed(): void {
    if (this.#closed) return;
    this.#since ??= performance.now();
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#fire(), this.#debounceMs);
  }

  /** Resolves when no reload runs (the one running, and the one it queued, have finished). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** No reload starts after this; one running finishes. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #fire(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    const since = this.#since ?? performance.now();
    this.#since = undefined;
    // `reload` reports its own failures; a throw here must not become an unhandled rejection.
    this.#running = this.#reload(since).catch(() => undefined).finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.#fire();
      }
    });
  }
}
