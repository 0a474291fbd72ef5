/**
 * The schema, as ordered migrations. Append only: never edit a released migration, add the
 * next version. Each runs inside the opener's transaction, so no PRAGMA here (foreign_keys
 * and journal_mode are no-ops inside a transaction).
 */
import type { Migration } from '@easel/common/sqlite/migrate';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE plugins (
        name TEXT PRIMARY KEY,
        version TEXT NOT NULL,
        manifest TEXT NOT NULL CHECK (json_valid(manifest)),
        enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
        integrity TEXT NOT NULL,
        script_sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        files TEXT NOT NULL CHECK (json_valid(files)),
        installed_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      -- Rows owned by a plugin cascade with it; removal also deletes them explicitly.
      CREATE TABLE grants (
        plugin TEXT PRIMARY KEY REFERENCES plugins (name) ON DELETE CASCADE,
        permissions TEXT NOT NULL CHECK (json_valid(permissions)),
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE plugin_configs (
        plugin TEXT PRIMARY KEY REFERENCES plugins (name) ON DELETE CASCADE,
        value TEXT NOT NULL CHECK (json_valid(value)),
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE kv (
        plugin TEXT NOT NULL REFERENCES plugins (name) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (plugin, key)
      ) STRICT, WITHOUT ROWID;

      -- History outlives the plugin: no foreign key. seq orders pages (ids are random).
      CREATE TABLE executions (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        plugin_name TEXT NOT NULL,
        plugin_version TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('agent', 'workflow')),
        target TEXT NOT NULL,
        capability TEXT,
        api_key_id TEXT,
        input TEXT,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        output TEXT,
        error_code TEXT,
        error_message TEXT,
        duration_ms INTEGER,
        cpu_ms REAL,
        heap_used_bytes INTEGER,
        started_at TEXT NOT NULL,
        finished_at TEXT
      ) STRICT;
      CREATE INDEX executions_by_plugin ON executions (plugin_name, seq);
      CREATE INDEX executions_by_status ON executions (status, seq);

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
        details TEXT
      ) STRICT;
      CREATE INDEX audit_by_action ON audit_log (action, id);

      -- Only the sha256 of a key is kept; the key is shown once at creation.
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        key_sha256 TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'app')),
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'model usage, budgets and cache',
    sql: `
      ALTER TABLE executions ADD COLUMN user_id TEXT;
      CREATE INDEX executions_by_user ON executions (user_id, seq);

      -- One row per model call or cache hit. Money is INTEGER nano-dollars (USD × 1e9) so
      -- sums are exact; no foreign keys: usage outlives plugins and executions.
      CREATE TABLE model_usage (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        user_id TEXT NOT NULL,
        plugin_name TEXT,
        execution_id TEXT,
        task TEXT NOT NULL CHECK (task IN ('text', 'structured', 'image', 'embedding')),
        model_id TEXT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('call', 'cache-embedding')),
        input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
        output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
        images INTEGER NOT NULL CHECK (images >= 0),
        cost_nanos INTEGER NOT NULL CHECK (cost_nanos >= 0),
        cached TEXT CHECK (cached IN ('exact', 'semantic')),
        status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
        error_code TEXT,
        latency_ms INTEGER NOT NULL CHECK (latency_ms >= 0)
      ) STRICT;
      -- stats() is a range scan on (user_id, at).
      CREATE INDEX model_usage_by_user ON model_usage (user_id, at);
      CREATE INDEX model_usage_by_execution ON model_usage (execution_id, id) WHERE execution_id IS NOT NULL;

      CREATE TABLE budgets (
        user_id TEXT PRIMARY KEY,
        monthly_nanos INTEGER NOT NULL CHECK (monthly_nanos >= 0),
        updated_at TEXT NOT NULL
      ) STRICT;

      -- Kept for every user, budget or not, so a budget set mid-month sees what was spent.
      CREATE TABLE monthly_spend (
        user_id TEXT NOT NULL,
        month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
        spent_nanos INTEGER NOT NULL CHECK (spent_nanos >= 0),
        reserved_nanos INTEGER NOT NULL CHECK (reserved_nanos >= 0),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (user_id, month)
      ) STRICT, WITHOUT ROWID;

      -- rowid order is age order: a rewritten key is REPLACEd and gets a new rowid.
      CREATE TABLE model_cache_exact (
        key TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        answer TEXT NOT NULL CHECK (json_valid(answer)),
        model_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX model_cache_exact_by_scope ON model_cache_exact (scope);
      CREATE INDEX model_cache_exact_by_expiry ON model_cache_exact (expires_at_ms);

      -- vector: the Float32Array's bytes (L2-normalized by the caller).
      CREATE TABLE model_cache_semantic (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        partition TEXT NOT NULL,
        scope TEXT NOT NULL,
        vector BLOB NOT NULL CHECK (length(vector) > 0 AND length(vector) % 4 = 0),
        answer TEXT NOT NULL CHECK (json_valid(answer)),
        model_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX model_cache_semantic_by_partition ON model_cache_semantic (partition, id);
      CREATE INDEX model_cache_semantic_by_scope ON model_cache_semantic (scope);
      CREATE INDEX model_cache_semantic_by_expiry ON model_cache_semantic (expires_at_ms);
    `,
  },
  {
    version: 3,
    name: 'blob metadata',
    sql: `
      -- Blob metadata: bytes live in the blob backend under object_key (host-generated, never
      -- plugin input); listing, ownership, quotas and hashes are answered from here.
      CREATE TABLE blobs (
        id TEXT PRIMARY KEY,
        plugin TEXT NOT NULL REFERENCES plugins (name) ON DELETE CASCADE,
        key TEXT NOT NULL,
        object_key TEXT NOT NULL UNIQUE,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        execution_id TEXT,
        created_at TEXT NOT NULL,
        UNIQUE (plugin, key)
      ) STRICT;

      -- Running totals per plugin, kept in the same transactions as blobs: quotas in O(1).
      CREATE TABLE blob_usage (
        plugin TEXT PRIMARY KEY REFERENCES plugins (name) ON DELETE CASCADE,
        bytes INTEGER NOT NULL CHECK (bytes >= 0),
        objects INTEGER NOT NULL CHECK (objects >= 0)
      ) STRICT, WITHOUT ROWID;

      -- Objects in the backend that no blobs row owns: written by a put that has not committed
      -- (or never will: a crash, a failed commit), or left by a delete, an overwrite or an
      -- uninstall. The sweeper deletes them from the backend; no plugin reference (outlives it).
      CREATE TABLE blob_orphans (
        object_key TEXT PRIMARY KEY,
        reason TEXT NOT NULL CHECK (reason IN ('writing', 'released')),
        since TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'orchestration: execution states, steps and events',
    sql: `
      -- SQLite cannot widen a CHECK in place: the table is rebuilt with the new states
      -- (queued, cancelled), the cost column and the resume counter. seq values are kept.
      CREATE TABLE executions_v4 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        plugin_name TEXT NOT NULL,
        plugin_version TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('agent', 'workflow')),
        target TEXT NOT NULL,
        capability TEXT,
        api_key_id TEXT,
        user_id TEXT,
        input TEXT,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
        output TEXT,
        error_code TEXT,
        error_message TEXT,
        duration_ms INTEGER,
        cpu_ms REAL,
        heap_used_bytes INTEGER,
        cost_nanos INTEGER CHECK (cost_nanos >= 0),
        resumed INTEGER NOT NULL DEFAULT 0 CHECK (resumed >= 0),
        started_at TEXT NOT NULL,
        finished_at TEXT
      ) STRICT;
      INSERT INTO executions_v4 (seq, id, plugin_name, plugin_version, kind, target, capability, api_key_id, user_id, input,
        status, output, error_code, error_message, duration_ms, cpu_ms, heap_used_bytes, started_at, finished_at)
        SELECT seq, id, plugin_name, plugin_version, kind, target, capability, api_key_id, user_id, input,
          status, output, error_code, error_message, duration_ms, cpu_ms, heap_used_bytes, started_at, finished_at FROM executions;
      DROP TABLE executions;
      ALTER TABLE executions_v4 RENAME TO executions;
      CREATE INDEX executions_by_plugin ON executions (plugin_name, seq);
      CREATE INDEX executions_by_status ON executions (status, seq);
      CREATE INDEX executions_by_user ON executions (user_id, seq);
      CREATE INDEX executions_by_target ON executions (kind, target, seq);
      CREATE INDEX executions_by_key ON executions (api_key_id, seq);

      -- One row per ctx.agents.invoke. call_key identifies the call across a resume (its place
      -- in the call tree, target and input hash, and how many identical calls came before), so
      -- a re-run workflow gets a completed step's recorded output instead of running it again.
      CREATE TABLE execution_steps (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        execution_id TEXT NOT NULL,
        parent_step_id TEXT,
        call_key TEXT NOT NULL,
        depth INTEGER NOT NULL CHECK (depth >= 1),
        plugin_name TEXT NOT NULL,
        plugin_version TEXT NOT NULL,
        agent TEXT NOT NULL,
        capability TEXT NOT NULL,
        input_sha256 TEXT NOT NULL CHECK (length(input_sha256) = 64),
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled')),
        output TEXT,
        error_code TEXT,
        error_message TEXT,
        models TEXT,
        input_tokens INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
        output_tokens INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
        cost_nanos INTEGER NOT NULL DEFAULT 0 CHECK (cost_nanos >= 0),
        attempts INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
        duration_ms REAL,
        cpu_ms REAL,
        heap_peak_bytes INTEGER,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        UNIQUE (execution_id, call_key)
      ) STRICT;
      CREATE INDEX execution_steps_by_execution ON execution_steps (execution_id, seq);

      -- Model calls are charged to the step that made them (NULL: the execution's own code).
      ALTER TABLE model_usage ADD COLUMN step_id TEXT;
      CREATE INDEX model_usage_by_step ON model_usage (step_id) WHERE step_id IS NOT NULL;

      -- What an execution's event stream said, in order, so late subscribers (Last-Event-ID)
      -- and subscribers after a restart replay it. seq is per execution, from 1.
      CREATE TABLE execution_events (
        execution_id TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        type TEXT NOT NULL,
        data TEXT NOT NULL CHECK (json_valid(data)),
        at TEXT NOT NULL,
        PRIMARY KEY (execution_id, seq)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'apps: tenants that own their keys, users, usage and budgets',
    sql: `
      -- An app is a tenant: it owns its app keys, and the user ids its keys send are its own.
      CREATE TABLE apps (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      -- Every app key so far becomes an app of its own whose id is the key's id: what plugins
      -- saw as ctx.caller.app (the key's id until now), and the data they keyed by it, stay the same.
      INSERT INTO apps (id, name, created_at) SELECT id, label, created_at FROM api_keys WHERE role = 'app' ORDER BY rowid;

      -- Rebuilt for the app column and its CHECK: an app key has an app, an admin key none.
      CREATE TABLE api_keys_v5 (
        id TEXT PRIMARY KEY,
        key_sha256 TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'app')),
        label TEXT NOT NULL,
        app_id TEXT REFERENCES apps (id),
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        CHECK ((role = 'app') = (app_id IS NOT NULL))
      ) STRICT;
      INSERT INTO api_keys_v5 (id, key_sha256, role, label, app_id, created_at, revoked_at)
        SELECT id, key_sha256, role, label, CASE role WHEN 'app' THEN id END, created_at, revoked_at FROM api_keys ORDER BY rowid;
      DROP TABLE api_keys;
      ALTER TABLE api_keys_v5 RENAME TO api_keys;
      CREATE INDEX api_keys_by_app ON api_keys (app_id) WHERE app_id IS NOT NULL;

      -- Executions and usage name their app; user_id is unique within it only. Rows of keys
      -- that never were app keys (none the API could make) keep a NULL app: admins see them.
      ALTER TABLE executions ADD COLUMN app_id TEXT;
      UPDATE executions SET app_id = api_key_id WHERE api_key_id IN (SELECT id FROM apps);
      CREATE INDEX executions_by_app ON executions (app_id, seq);
      CREATE INDEX executions_by_app_user ON executions (app_id, user_id, seq);

      ALTER TABLE model_usage ADD COLUMN app_id TEXT;
      UPDATE model_usage SET app_id = (SELECT e.app_id FROM executions e WHERE e.id = model_usage.execution_id) WHERE execution_id IS NOT NULL;
      UPDATE model_usage SET app_id = substr(user_id, 5)
        WHERE app_id IS NULL AND user_id GLOB 'key:*' AND substr(user_id, 5) IN (SELECT id FROM apps);
      DROP INDEX model_usage_by_user;
      -- stats() is a range scan on (app_id, user_id, at).
      CREATE INDEX model_usage_by_app_user ON model_usage (app_id, user_id, at);

      -- Budgets per app as a whole (user_id '', which no user id can be) and per user of an app.
      CREATE TABLE budgets_v5 (
        app_id TEXT NOT NULL REFERENCES apps (id),
        user_id TEXT NOT NULL,
        monthly_nanos INTEGER NOT NULL CHECK (monthly_nanos >= 0),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (app_id, user_id)
      ) STRICT, WITHOUT ROWID;
      -- A budget set for a user id before apps existed limited that id under every key. It now
      -- limits the user in each app that has run calls for it (a key's own user: its app), or,
      -- for an id no app has used, in every app: no limit is loosened by the upgrade.
      INSERT OR IGNORE INTO budgets_v5 (app_id, user_id, monthly_nanos, updated_at)
        SELECT DISTINCT e.app_id, b.user_id, b.monthly_nanos, b.updated_at FROM budgets b JOIN executions e ON e.user_id = b.user_id WHERE e.app_id IS NOT NULL;
      INSERT OR IGNORE INTO budgets_v5 (app_id, user_id, monthly_nanos, updated_at)
        SELECT substr(b.user_id, 5), b.user_id, b.monthly_nanos, b.updated_at FROM budgets b
        WHERE b.user_id GLOB 'key:*' AND substr(b.user_id, 5) IN (SELECT id FROM apps);
      INSERT OR IGNORE INTO budgets_v5 (app_id, user_id, monthly_nanos, updated_at)
        SELECT a.id, b.user_id, b.monthly_nanos, b.updated_at FROM budgets b CROSS JOIN apps a
        WHERE NOT EXISTS (SELECT 1 FROM budgets_v5 n WHERE n.user_id = b.user_id);
      DROP TABLE budgets;
      ALTER TABLE budgets_v5 RENAME TO budgets;

      -- The month's spend per user of an app and per app (user_id ''), rebuilt from the usage
      -- rows that name their app. Holds are not carried (migration 6 drops any left anyway).
      CREATE TABLE monthly_spend_v5 (
        app_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
        spent_nanos INTEGER NOT NULL CHECK (spent_nanos >= 0),
        reserved_nanos INTEGER NOT NULL CHECK (reserved_nanos >= 0),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (app_id, user_id, month)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO monthly_spend_v5 (app_id, user_id, month, spent_nanos, reserved_nanos, updated_at)
        SELECT app_id, user_id, substr(at, 1, 7), sum(cost_nanos), 0, max(at) FROM model_usage
        WHERE app_id IS NOT NULL GROUP BY app_id, user_id, substr(at, 1, 7);
      INSERT INTO monthly_spend_v5 (app_id, user_id, month, spent_nanos, reserved_nanos, updated_at)
        SELECT app_id, '', substr(at, 1, 7), sum(cost_nanos), 0, max(at) FROM model_usage
        WHERE app_id IS NOT NULL GROUP BY app_id, substr(at, 1, 7);
      DROP TABLE monthly_spend;
      ALTER TABLE monthly_spend_v5 RENAME TO monthly_spend;
    `,
  },
  {
    version: 6,
    name: 'model reservations and unreconciled usage',
    sql: `
      -- One row per budget hold of a model call in flight. It is written in the transaction
      -- that takes the hold and deleted in the one that bills the call or gives the hold back,
      -- so monthly_spend.reserved_nanos is always the sum of these rows (per user of an app and
      -- per app, per month). owner is the boot id of the host process that made it: at start,
      -- the rows of any other owner (a process that died with calls in flight, which the
      -- provider may well have answered and billed) are charged as unreconciled usage rows.
      -- The tokens and images are the worst case that amount_nanos prices.
      CREATE TABLE model_reservations (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        app_id TEXT NOT NULL,
        user_id TEXT NOT NULL CHECK (user_id <> ''),
        month TEXT NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
        plugin_name TEXT,
        execution_id TEXT,
        step_id TEXT,
        task TEXT NOT NULL CHECK (task IN ('text', 'structured', 'image', 'embedding')),
        model_id TEXT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('call', 'cache-embedding')),
        input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
        output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
        images INTEGER NOT NULL CHECK (images >= 0),
        amount_nanos INTEGER NOT NULL CHECK (amount_nanos >= 0),
        created_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX model_reservations_by_owner ON model_reservations (owner);

      -- Holds made before this version have no rows to say what they were for; like every start
      -- before this version, the upgrade (which happens at a start) drops them.
      UPDATE monthly_spend SET reserved_nanos = 0 WHERE reserved_nanos > 0;

      -- Rebuilt for the status CHECK: 'unreconciled' is a call charged at its hold because its
      -- process died before it was billed (reservation_id names the hold). ids are kept.
      CREATE TABLE model_usage_v6 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        app_id TEXT,
        user_id TEXT NOT NULL,
        plugin_name TEXT,
        execution_id TEXT,
        step_id TEXT,
        task TEXT NOT NULL CHECK (task IN ('text', 'structured', 'image', 'embedding')),
        model_id TEXT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('call', 'cache-embedding')),
        input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
        output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
        images INTEGER NOT NULL CHECK (images >= 0),
        cost_nanos INTEGER NOT NULL CHECK (cost_nanos >= 0),
        cached TEXT CHECK (cached IN ('exact', 'semantic')),
        status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'unreconciled')),
        error_code TEXT,
        latency_ms INTEGER NOT NULL CHECK (latency_ms >= 0),
        reservation_id TEXT,
        CHECK ((status = 'unreconciled') = (reservation_id IS NOT NULL))
      ) STRICT;
      INSERT INTO model_usage_v6 (id, at, app_id, user_id, plugin_name, execution_id, step_id, task, model_id, purpose,
        input_tokens, output_tokens, images, cost_nanos, cached, status, error_code, latency_ms)
        SELECT id, at, app_id, user_id, plugin_name, execution_id, step_id, task, model_id, purpose,
          input_tokens, output_tokens, images, cost_nanos, cached, status, error_code, latency_ms FROM model_usage ORDER BY id;
      DROP TABLE model_usage;
      ALTER TABLE model_usage_v6 RENAME TO model_usage;
      CREATE INDEX model_usage_by_app_user ON model_usage (app_id, user_id, at);
      -- An app's stats as a whole are a range scan on (app_id, at).
      CREATE INDEX model_usage_by_app ON model_usage (app_id, at);
      CREATE INDEX model_usage_by_execution ON model_usage (execution_id, id) WHERE execution_id IS NOT NULL;
      CREATE INDEX model_usage_by_step ON model_usage (step_id) WHERE step_id IS NOT NULL;
    `,
  },
  {
    version: 7,
    name: 'retention: purge indexes, blob expiry',
    sql: `
      -- The purge takes a batch of what is due at a time, oldest first; each kind has an index
      -- that starts at its oldest due row, so a batch reads only what it deletes.
      -- Finished executions by age (queued and running ones have no finished_at).
      CREATE INDEX executions_by_finished ON executions (finished_at) WHERE finished_at IS NOT NULL;
      -- Set once an execution's event log was purged (its events may go before the execution
      -- does); the partial index holds only the logs still kept, so a pass never rescans emptied ones.
      ALTER TABLE executions ADD COLUMN events_purged_at TEXT;
      CREATE INDEX executions_events_kept ON executions (finished_at) WHERE finished_at IS NOT NULL AND events_purged_at IS NULL;
      CREATE INDEX model_usage_by_at ON model_usage (at);
      CREATE INDEX audit_by_at ON audit_log (at);

      -- A blob may expire (a TTL its plugin set, or the host's default for blobs): the purge
      -- deletes it, bytes and row, and gives its quota back.
      ALTER TABLE blobs ADD COLUMN expires_at TEXT;
      CREATE INDEX blobs_by_expiry ON blobs (expires_at) WHERE expires_at IS NOT NULL;
      -- The app whose execution wrote the blob, kept on the row: an app key still reads its
      -- blobs once the execution record is purged. Until now it was read through the execution.
      ALTER TABLE blobs ADD COLUMN app_id TEXT;
      UPDATE blobs SET app_id = (SELECT e.app_id FROM executions e WHERE e.id = blobs.execution_id) WHERE execution_id IS NOT NULL;
    `,
  },
  {
    version: 8,
    name: 'usage report: cache savings and misses, routing events; audit rows name their plugin',
    sql: `
      -- What the cost report reads per call, on the call's own usage row (so retention and the
      -- app a row bills to cover it as they cover the cost). saved_nanos: on a cache hit, what
      -- the answer cost when a model made it. cache_miss: 1 on the first row a call writes after
      -- it looked in the cache and found nothing. fallback: 1 on an attempt sent after an earlier
      -- attempt of the same call failed. cooled: 1 when this attempt's failure cooled its model
      -- down. quota_waits: how often the call waited for a per-minute quota before this row (on
      -- the first row written after the waits). Rows written before this version have 0 for all.
      ALTER TABLE model_usage ADD COLUMN saved_nanos INTEGER NOT NULL DEFAULT 0 CHECK (saved_nanos >= 0);
      ALTER TABLE model_usage ADD COLUMN cache_miss INTEGER NOT NULL DEFAULT 0 CHECK (cache_miss IN (0, 1));
      ALTER TABLE model_usage ADD COLUMN fallback INTEGER NOT NULL DEFAULT 0 CHECK (fallback IN (0, 1));
      ALTER TABLE model_usage ADD COLUMN cooled INTEGER NOT NULL DEFAULT 0 CHECK (cooled IN (0, 1));
      ALTER TABLE model_usage ADD COLUMN quota_waits INTEGER NOT NULL DEFAULT 0 CHECK (quota_waits >= 0);

      -- The plugin an audit row is about, for GET /v1/audit?plugin=: the plugin that acted
      -- (actor plugin:<name>[@version][#hash]) or, for plugin.* actions, the one acted on (target
      -- <name>[@version]). Derived the same way at record time (audit.ts, pluginOfAudit).
      ALTER TABLE audit_log ADD COLUMN plugin TEXT;
      UPDATE audit_log SET plugin = CASE
          WHEN actor GLOB 'plugin:?*' THEN substr(actor, 8)
          WHEN action GLOB 'plugin.*' AND target IS NOT NULL AND target <> '' THEN target
        END;
      UPDATE audit_log SET plugin = substr(plugin, 1, instr(plugin, '#') - 1) WHERE instr(plugin, '#') > 0;
      UPDATE audit_log SET plugin = substr(plugin, 1, instr(plugin, '@') - 1) WHERE instr(plugin, '@') > 0;
      UPDATE audit_log SET plugin = NULL WHERE plugin = '';
      -- Newest first within each filter, for keyset pages (id < before ORDER BY id DESC).
      CREATE INDEX audit_by_plugin ON audit_log (plugin, id) WHERE plugin IS NOT NULL;
      CREATE INDEX audit_by_actor ON audit_log (actor, id);
    `,
  },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
