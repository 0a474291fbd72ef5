/**
 * The registry's PostgreSQL schema: the SQLite schema (../sqlite/migrations.ts) at its version
 * 3, written for PostgreSQL 16 or later (`IS JSON`). Every table is named `registry_…` so that
 * the registry can share a database (and its `public` schema) with the host, whose tables have
 * no prefix. Timestamps stay ISO-8601 text and JSON stays text, as in SQLite, so both stores
 * give identical records; compared or ordered text is `COLLATE "C"` (code point order, as
 * SQLite compares). Append only, as in SQLite.
 */
import type { PgMigration } from '@easel/common/postgres/database';

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'initial (the SQLite schema at its version 3)',
    sql: `
      CREATE TABLE registry_users (
        name TEXT COLLATE "C" PRIMARY KEY,
        email TEXT,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      -- Only sha512(token) is kept (npm's token "key"); a token is shown once, at login.
      CREATE TABLE registry_tokens (
        key TEXT COLLATE "C" PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('user', 'admin')),
        user_name TEXT COLLATE "C" REFERENCES registry_users (name),
        readonly BOOLEAN NOT NULL DEFAULT false,
        name TEXT,
        cidr_whitelist TEXT CHECK (cidr_whitelist IS NULL OR cidr_whitelist IS JSON ARRAY),
        created_at TEXT COLLATE "C" NOT NULL,
        expires_at TEXT COLLATE "C",
        revoked_at TEXT,
        CHECK ((role = 'user') = (user_name IS NOT NULL))
      );
      CREATE INDEX registry_tokens_by_user ON registry_tokens (user_name, created_at) WHERE role = 'user' AND revoked_at IS NULL;

      -- A package row outlives its versions: ownership and tombstones stay after an unpublish.
      -- Every change locks this row first (SELECT … FOR UPDATE): changes to one package are serial.
      CREATE TABLE registry_packages (
        name TEXT COLLATE "C" PRIMARY KEY,
        rev INTEGER NOT NULL,
        search_text TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        modified_at TEXT NOT NULL
      );

      CREATE TABLE registry_owners (
        package TEXT COLLATE "C" NOT NULL REFERENCES registry_packages (name),
        user_name TEXT COLLATE "C" NOT NULL REFERENCES registry_users (name),
        added_at TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (package, user_name)
      );

      -- Rows are never deleted: an unpublished version keeps its row as a tombstone
      -- (unpublished_at set), so its number can never be published again.
      CREATE TABLE registry_versions (
        package TEXT COLLATE "C" NOT NULL REFERENCES registry_packages (name),
        version TEXT COLLATE "C" NOT NULL,
        seq INTEGER NOT NULL,
        kind TEXT NOT NULL DEFAULT 'plugin' CHECK (kind IN ('plugin', 'library')),
        doc TEXT NOT NULL CHECK (doc IS JSON),
        manifest TEXT NOT NULL CHECK (manifest IS JSON),
        integrity TEXT NOT NULL,
        shasum TEXT NOT NULL,
        size BIGINT NOT NULL,
        file_count INTEGER NOT NULL,
        unpacked_size BIGINT NOT NULL,
        publisher TEXT NOT NULL,
        published_at TEXT NOT NULL,
        deprecated TEXT,
        yanked_at TEXT,
        yank_reason TEXT,
        unpublished_at TEXT,
        readme TEXT,
        changelog TEXT,
        PRIMARY KEY (package, version),
        UNIQUE (package, seq)
      );
      CREATE INDEX registry_versions_by_integrity ON registry_versions (integrity) WHERE unpublished_at IS NULL;

      CREATE TABLE registry_dist_tags (
        package TEXT COLLATE "C" NOT NULL REFERENCES registry_packages (name),
        tag TEXT COLLATE "C" NOT NULL,
        version TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (package, tag),
        FOREIGN KEY (package, version) REFERENCES registry_versions (package, version)
      );

      -- Tarball downloads per version and UTC day; one UPSERT counts a download.
      CREATE TABLE registry_downloads (
        package TEXT COLLATE "C" NOT NULL,
        version TEXT COLLATE "C" NOT NULL,
        day TEXT COLLATE "C" NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (package, version, day)
      );

      -- Wrong passwords per subject ('user:NAME', 'addr:ADDRESS') in a fixed window (ms since the epoch).
      CREATE TABLE registry_password_failures (
        subject TEXT COLLATE "C" PRIMARY KEY,
        window_start BIGINT NOT NULL,
        failures INTEGER NOT NULL
      );
      CREATE INDEX registry_password_failures_by_start ON registry_password_failures (window_start);
    `,
  },
];

/** The newest schema version this code knows. */
export const PG_LATEST_VERSION = PG_MIGRATIONS.at(-1)?.version ?? 0;
