/**
 * One task per key at a time, in this process: the SQLite store's package lock (one registry
 * process owns its file), and the first stage of PostgreSQL's, so that a replica queues its
 * own requests for one package in memory instead of holding a connection for each.
 */
export class KeyedMutex {
  #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
