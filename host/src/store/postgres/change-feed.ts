/**
 * Changes to plugins' records, told to every host on the database with LISTEN/NOTIFY. A write
 * notifies inside its own transaction (notifyPlugin), so PostgreSQL delivers the notice only if
 * and when it commits. Each host listens on a connection of its own; when that connection
 * breaks, notices may have been missed, so listeners are told "anything may have changed" once
 * it is back.
 */
import pg from 'pg';
import type { StoreChange, StoreChanges } from '../types.ts';
import type { Queryable } from './database.ts';

// Also written out in schema v2's easel_release_plugin_slot (a migration is frozen text): keep them equal.
const CHANNEL = 'easel_changes';
const RECONNECT_MS = 1000;

type Listener = (change: StoreChange) => void;

/** Notifies, within `db`'s transaction, that `plugin`'s records changed. */
export async function notifyPlugin(db: Queryable, plugin: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [CHANNEL, `plugin:${plugin}`]);
}

/** SQL after a `WITH w AS (INSERT INTO execution_events … RETURNING execution_id)`: one notice per execution whose log grew. */
export const NOTIFY_EVENTS = `SELECT pg_notify('${CHANNEL}', 'events:' || execution_id) FROM (SELECT DISTINCT execution_id FROM w) grown`;

/** SQL after a `WITH w AS (DELETE FROM plugin_slots … RETURNING plugin)`: one notice per plugin whose slots or line moved. */
export const NOTIFY_SLOTS = `SELECT pg_notify('${CHANNEL}', 'slots:' || plugin) FROM (SELECT DISTINCT plugin FROM w) moved`;

/** SQL to append to a `WITH w AS (<write> RETURNING <name column> AS plugin)`: one notice per written row. */
export const NOTIFY_WRITTEN = `SELECT pg_notify('${CHANNEL}', 'plugin:' || plugin) FROM w`;

export class ChangeFeed implements StoreChanges {
  #url: string;
  #listeners = new Set<Listener>();
  #client: pg.Client | undefined;
  #notify: Queryable;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  private constructor(url: string, notify: Queryable) {
    this.#url = url;
    this.#notify = notify;
  }

  /** `notify`: where the feed's own notices (cancels) are sent from (the store's pool). */
  static async open(url: string, notify: Queryable): Promise<ChangeFeed> {
    const feed = new ChangeFeed(url, notify);
    await feed.#connect();
    return feed;
  }

  async cancel(executionId: string): Promise<void> {
    await this.#notify.query('SELECT pg_notify($1, $2)', [CHANNEL, `cancel:${executionId}`]);
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    client.on('notification', (message) => {
      const payload = message.payload ?? '';
      if (payload.startsWith('plugin:')) this.#tell({ plugin: payload.slice('plugin:'.length) });
      else if (payload.startsWith('cancel:')) this.#tell({ cancel: payload.slice('cancel:'.length) });
      else if (payload.startsWith('events:')) this.#tell({ events: payload.slice('events:'.length) });
      else if (payload.startsWith('slots:')) this.#tell({ slots: payload.slice('slots:'.length) });
      else this.#tell({});
    });
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.#client = client;
  }

  /** The connection broke: reconnect, then tell listeners to drop everything (notices may be lost). */
  #lost(client: pg.Client): void {
    if (this.#closed || this.#client !== client) return;
    this.#client = undefined;
    const again = () => {
      this.#retry = undefined;
      if (this.#closed) return;
      this.#connect().then(
        () => this.#tell({}),
        () => (this.#retry = setTimeout(again, RECONNECT_MS).unref()),
      );
    };
    this.#retry = setTimeout(again, RECONNECT_MS).unref();
  }

  #tell(change: StoreChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure is its own; the others are still told.
      }
    }
  }
}
