/**
 * The PostgreSQL store's schema: the SQLite store's latest schema (../sqlite/migrations.ts),
 * written for PostgreSQL. Timestamps stay ISO-8601 text and JSON stays text, as in SQLite, so
 * the same values cross both stores; ordered or range-scanned text is `COLLATE "C"` (code point
 * order, as SQLite compares). JSON columns are checked with `IS JSON` (PostgreSQL 16 and later).
 * Until the PostgreSQL store ships, version 1 may still change.
 */
import type { PgMigration } from '@easel/common/postgres/database';

export const PG_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    name: 'initial (the SQLite schema at its version 8)',
    sql: `
      CREATE TABLE plugins (
        name TEXT COLLATE "C" PRIMARY KEY,
        version TEXT NOT NULL,
        manifest TEXT NOT NULL CHECK (manifest IS JSON),
        enabled BOOLEAN NOT NULL DEFAULT false,
        integrity TEXT NOT NULL,
        script_sha256 TEXT NOT NULL,
        path TEXT NOT NULL,
        files TEXT NOT NULL CHECK (files IS JSON),
        installed_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE grants (
        plugin TEXT COLLATE "C" PRIMARY KEY REFERENCES plugins (name) ON DELETE CASCADE,
        permissions TEXT NOT NULL CHECK (permissions IS JSON),
        updated_at TEXT NOT NULL
      );

      CREATE TABLE plugin_configs (
        plugin TEXT COLLATE "C" PRIMARY KEY REFERENCES plugins (name) ON DELETE CASCADE,
        value TEXT NOT NULL CHECK (value IS JSON),
        updated_at TEXT NOT NULL
      );

      CREATE TABLE kv (
        plugin TEXT COLLATE "C" NOT NULL REFERENCES plugins (name) ON DELETE CASCADE,
        key TEXT COLLATE "C" NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (plugin, key)
      );

      CREATE TABLE apps (
        seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      -- Only the sha256 of a key is kept; the key is shown once at creation.
      CREATE TABLE api_keys (
        seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        id TEXT PRIMARY KEY,
        key_sha256 TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'app')),
        label TEXT NOT NULL,
        app_id TEXT REFERENCES apps (id),
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        CHECK ((role = 'app') = (app_id IS NOT NULL))
      );
      CREATE INDEX api_keys_by_app ON api_keys (app_id) WHERE app_id IS NOT NULL;

      CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at TEXT COLLATE "C" NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
        details TEXT,
        plugin TEXT
      );
      CREATE INDEX audit_by_action ON audit_log (action, id);
      CREATE INDEX audit_by_actor ON audit_log (actor, id);
      CREATE INDEX audit_by_at ON audit_log (at);
      CREATE INDEX audit_by_plugin ON audit_log (plugin, id) WHERE plugin IS NOT NULL;

      CREATE TABLE blobs (
        id TEXT PRIMARY KEY,
        plugin TEXT COLLATE "C" NOT NULL REFERENCES plugins (name) ON DELETE CASCADE,
        key TEXT COLLATE "C" NOT NULL,
        object_key TEXT NOT NULL UNIQUE,
        content_type TEXT NOT NULL,
        size BIGINT NOT NULL CHECK (size >= 0),
        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
        execution_id TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT COLLATE "C",
        app_id TEXT,
        UNIQUE (plugin, key)
      );
      CREATE INDEX blobs_by_expiry ON blobs (expires_at) WHERE expires_at IS NOT NULL;

      CREATE TABLE blob_usage (
        plugin TEXT COLLATE "C" PRIMARY KEY REFERENCES plugins (name) ON DELETE CASCADE,
        bytes BIGINT NOT NULL CHECK (bytes >= 0),
        objects BIGINT NOT NULL CHECK (objects >= 0)
      );

      CREATE TABLE blob_orphans (
        object_key TEXT PRIMARY KEY,
        reason TEXT NOT NULL CHECK (reason IN ('writing', 'released')),
        since TEXT COLLATE "C" NOT NULL
      );

      -- History outlives the plugin: no foreign key. seq orders pages (ids are random).
      CREATE TABLE executions (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
        duration_ms BIGINT,
        cpu_ms DOUBLE PRECISION,
        heap_used_bytes BIGINT,
        cost_nanos BIGINT CHECK (cost_nanos >= 0),
        resumed INTEGER NOT NULL DEFAULT 0 CHECK (resumed >= 0),
        started_at TEXT COLLATE "C" NOT NULL,
        finished_at TEXT COLLATE "C",
        app_id TEXT,
        events_purged_at TEXT,
        -- The replica (its store's owner id) that runs it; see replicas.
        owner TEXT
      );
      CREATE INDEX executions_by_app ON executions (app_id, seq);
      CREATE INDEX executions_unfinished_by_owner ON executions (owner) WHERE status IN ('queued', 'running');
      CREATE INDEX executions_by_app_user ON executions (app_id, user_id, seq);
      CREATE INDEX executions_by_finished ON executions (finished_at) WHERE finished_at IS NOT NULL;
      CREATE INDEX executions_by_key ON executions (api_key_id, seq);
      CREATE INDEX executions_by_plugin ON executions (plugin_name, seq);
      CREATE INDEX executions_by_status ON executions (status, seq);
      CREATE INDEX executions_by_target ON executions (kind, target, seq);
      CREATE INDEX executions_by_user ON executions (user_id, seq);
      CREATE INDEX executions_events_kept ON executions (finished_at) WHERE finished_at IS NOT NULL AND events_purged_at IS NULL;

      CREATE TABLE execution_steps (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
        input_tokens BIGINT NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
        output_tokens BIGINT NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
        cost_nanos BIGINT NOT NULL DEFAULT 0 CHECK (cost_nanos >= 0),
        attempts INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
        duration_ms DOUBLE PRECISION,
        cpu_ms DOUBLE PRECISION,
        heap_peak_bytes BIGINT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        UNIQUE (execution_id, call_key)
      );
      CREATE INDEX execution_steps_by_execution ON execution_steps (execution_id, seq);

      CREATE TABLE execution_events (
        execution_id TEXT NOT NULL,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        type TEXT NOT NULL,
        data TEXT NOT NULL CHECK (data IS JSON),
        at TEXT NOT NULL,
        PRIMARY KEY (execution_id, seq)
      );

      CREATE TABLE budgets (
        app_id TEXT NOT NULL REFERENCES apps (id),
        user_id TEXT NOT NULL,
        monthly_nanos BIGINT NOT NULL CHECK (monthly_nanos >= 0),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (app_id, user_id)
      );

      CREATE TABLE monthly_spend (
        app_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        month TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-[0-1][0-9]$'),
        spent_nanos BIGINT NOT NULL CHECK (spent_nanos >= 0),
        reserved_nanos BIGINT NOT NULL CHECK (reserved_nanos >= 0),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (app_id, user_id, month)
      );

      CREATE TABLE model_reservations (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        app_id TEXT NOT NULL,
        user_id TEXT NOT NULL CHECK (user_id <> ''),
        month TEXT NOT NULL CHECK (month ~ '^[0-9]{4}-[0-1][0-9]$'),
        plugin_name TEXT,
        execution_id TEXT,
        step_id TEXT,
        task TEXT NOT NULL CHECK (task IN ('text', 'structured', 'image', 'embedding')),
        model_id TEXT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('call', 'cache-embedding')),
        input_tokens BIGINT NOT NULL CHECK (input_tokens >= 0),
        output_tokens BIGINT NOT NULL CHECK (output_tokens >= 0),
        images INTEGER NOT NULL CHECK (images >= 0),
        amount_nanos BIGINT NOT NULL CHECK (amount_nanos >= 0),
        created_at TEXT NOT NULL
      );
      CREATE INDEX model_reservations_by_owner ON model_reservations (owner);

      CREATE TABLE model_usage (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at TEXT COLLATE "C" NOT NULL,
        app_id TEXT,
        user_id TEXT NOT NULL,
        plugin_name TEXT,
        execution_id TEXT,
        step_id TEXT,
        task TEXT NOT NULL CHECK (task IN ('text', 'structured', 'image', 'embedding')),
        model_id TEXT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('call', 'cache-embedding')),
        input_tokens BIGINT NOT NULL CHECK (input_tokens >= 0),
        output_tokens BIGINT NOT NULL CHECK (output_tokens >= 0),
        images INTEGER NOT NULL CHECK (images >= 0),
        cost_nanos BIGINT NOT NULL CHECK (cost_nanos >= 0),
        cached TEXT CHECK (cached IN ('exact', 'semantic')),
        status TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'unreconciled')),
        error_code TEXT,
        latency_ms BIGINT NOT NULL CHECK (latency_ms >= 0),
        reservation_id TEXT,
        saved_nanos BIGINT NOT NULL DEFAULT 0 CHECK (saved_nanos >= 0),
        cache_miss BOOLEAN NOT NULL DEFAULT false,
        fallback BOOLEAN NOT NULL DEFAULT false,
        cooled BOOLEAN NOT NULL DEFAULT false,
        quota_waits INTEGER NOT NULL DEFAULT 0 CHECK (quota_waits >= 0),
        CHECK ((status = 'unreconciled') = (reservation_id IS NOT NULL))
      );
      CREATE INDEX model_usage_by_app ON model_usage (app_id, at);
      CREATE INDEX model_usage_by_app_user ON model_usage (app_id, user_id, at);
      CREATE INDEX model_usage_by_at ON model_usage (at);
      CREATE INDEX model_usage_by_execution ON model_usage (execution_id, id) WHERE execution_id IS NOT NULL;
      CREATE INDEX model_usage_by_step ON model_usage (step_id) WHERE step_id IS NOT NULL;

      -- seq is the entry's age for pruning: a rewrite takes a new one (SQLite's REPLACE gives a new rowid).
      CREATE SEQUENCE model_cache_exact_seq;
      CREATE TABLE model_cache_exact (
        seq BIGINT NOT NULL DEFAULT nextval('model_cache_exact_seq'),
        key TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        answer TEXT NOT NULL CHECK (answer IS JSON),
        model_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at_ms BIGINT NOT NULL
      );
      CREATE INDEX model_cache_exact_by_expiry ON model_cache_exact (expires_at_ms);
      CREATE INDEX model_cache_exact_by_scope ON model_cache_exact (scope);
      CREATE INDEX model_cache_exact_by_seq ON model_cache_exact (seq);

      CREATE TABLE model_cache_semantic (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        partition TEXT NOT NULL,
        scope TEXT NOT NULL,
        vector BYTEA NOT NULL CHECK (length(vector) > 0 AND length(vector) % 4 = 0),
        answer TEXT NOT NULL CHECK (answer IS JSON),
        model_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at_ms BIGINT NOT NULL
      );
      CREATE INDEX model_cache_semantic_by_expiry ON model_cache_semantic (expires_at_ms);
      CREATE INDEX model_cache_semantic_by_partition ON model_cache_semantic (partition, id);
      CREATE INDEX model_cache_semantic_by_scope ON model_cache_semantic (scope);

      -- Hosts on this database, by their store's owner id: a replica is alive while its heartbeat
      -- is younger than the lease. What a replica that is gone left behind (unfinished executions,
      -- budget holds) is taken over by another; what a live one holds is never touched.
      CREATE TABLE replicas (
        id TEXT PRIMARY KEY,
        started_at TEXT NOT NULL,
        heartbeat_ms BIGINT NOT NULL
      );

      -- Executions at once per app key (EASEL_KEY_MAX_CONCURRENT_EXECUTIONS): one row per slot
      -- held, by the host (replica) that holds it; slots of hosts that are gone do not count.
      CREATE TABLE key_slots (
        id TEXT PRIMARY KEY,
        key_id TEXT NOT NULL,
        owner TEXT NOT NULL,
        taken_at TEXT NOT NULL
      );
      CREATE INDEX key_slots_by_key ON key_slots (key_id);

      -- Secrets every host on the database must share (the key that signs blob URLs): made by
      -- the first host that needs one.
      CREATE TABLE shared_secrets (
        name TEXT PRIMARY KEY,
        value BYTEA NOT NULL CHECK (length(value) >= 32)
      );

      -- Request windows per app key (EASEL_KEY_REQUESTS_PER_MINUTE), counted for every host at once.
      CREATE TABLE rate_windows (
        key TEXT PRIMARY KEY,
        window_start_ms BIGINT NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 1)
      );

      -- The model router's state (router-state.db in SQLite mode): per-model quota buckets, levels
      -- as of updated_ms, refilled lazily; and cooldowns.
      CREATE TABLE router_buckets (
        model_id TEXT PRIMARY KEY,
        requests DOUBLE PRECISION NOT NULL CHECK (requests >= 0),
        tokens DOUBLE PRECISION NOT NULL CHECK (tokens >= 0),
        updated_ms DOUBLE PRECISION NOT NULL
      );

      CREATE TABLE router_cooldowns (
        model_id TEXT PRIMARY KEY,
        until_ms DOUBLE PRECISION NOT NULL,
        reason TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: "executions' slots per plugin across hosts",
    sql: `
      -- EASEL_EXECUTIONS_MAX_CONCURRENT_PER_PLUGIN across every host (store/postgres/plugin-slots.ts).
      -- A running row is a slot held by its owner; a waiting row is the owner's place in the
      -- plugin's line (one per host and plugin), served in seq order.
      CREATE TABLE plugin_slots (
        id TEXT PRIMARY KEY,
        plugin TEXT NOT NULL,
        owner TEXT NOT NULL,
        running BOOLEAN NOT NULL,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        since TEXT NOT NULL
      );
      CREATE INDEX plugin_slots_by_plugin ON plugin_slots (plugin, running, seq);
      CREATE UNIQUE INDEX plugin_slots_one_place ON plugin_slots (plugin, owner) WHERE NOT running;

      -- Takes a slot of p_plugin for p_owner (p_id) when its turn has come, else keeps its place in
      -- the line and answers NULL: one statement, so one round trip per execution. Under the
      -- plugin's advisory lock, held to the end of the statement's transaction.
      CREATE FUNCTION easel_take_plugin_slot(p_plugin TEXT, p_owner TEXT, p_max INTEGER, p_live_since BIGINT, p_id TEXT, p_now TEXT) RETURNS TEXT
      LANGUAGE plpgsql AS $fn$
      DECLARE
        v_running INTEGER;
        v_place BIGINT;
        v_ahead INTEGER;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtextextended('easel-plugin-slots:' || p_plugin, 0));
        -- What hosts that are gone held or waited for.
        DELETE FROM plugin_slots WHERE plugin = p_plugin AND owner NOT IN (SELECT id FROM replicas WHERE heartbeat_ms >= p_live_since);
        SELECT count(*) INTO v_running FROM plugin_slots WHERE plugin = p_plugin AND running;
        -- Its place in the line, and how many places are before it (all of them when it has none yet).
        SELECT seq INTO v_place FROM plugin_slots WHERE plugin = p_plugin AND owner = p_owner AND NOT running;
        SELECT count(*) INTO v_ahead FROM plugin_slots WHERE plugin = p_plugin AND NOT running AND owner <> p_owner AND (v_place IS NULL OR seq < v_place);
        IF v_ahead < p_max - v_running THEN
          DELETE FROM plugin_slots WHERE plugin = p_plugin AND owner = p_owner AND NOT running;
          INSERT INTO plugin_slots (id, plugin, owner, running, since) VALUES (p_id, p_plugin, p_owner, true, p_now);
          RETURN p_id;
        END IF;
        INSERT INTO plugin_slots (id, plugin, owner, running, since) VALUES (p_id, p_plugin, p_owner, false, p_now) ON CONFLICT DO NOTHING;
        RETURN NULL;
      END
      $fn$;

      -- Gives a slot back; the hosts in the plugin's line are told (a notice costs a commit of its
      -- own on the server, so none when nobody waits). Under the same lock as a take, so a host
      -- joining the line as the slot is given back is either told or finds the slot free.
      CREATE FUNCTION easel_release_plugin_slot(p_id TEXT) RETURNS VOID
      LANGUAGE plpgsql AS $fn$
      DECLARE
        v_plugin TEXT;
      BEGIN
        SELECT plugin INTO v_plugin FROM plugin_slots WHERE id = p_id;
        IF v_plugin IS NULL THEN RETURN; END IF;
        PERFORM pg_advisory_xact_lock(hashtextextended('easel-plugin-slots:' || v_plugin, 0));
        DELETE FROM plugin_slots WHERE id = p_id;
        IF EXISTS (SELECT 1 FROM plugin_slots WHERE plugin = v_plugin AND NOT running) THEN
          PERFORM pg_notify('easel_changes', 'slots:' || v_plugin);
        END IF;
      END
      $fn$;
    `,
  },
  {
    version: 3,
    name: 'periodic work done by one host at a time',
    sql: `
      -- Which host does a periodic job (retention, the blob sweep) until when (Store.periodicTurn).
      CREATE TABLE periodic_turns (
        job TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        until_ms BIGINT NOT NULL
      );
    `,
  },
];
