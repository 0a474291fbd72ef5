/**
 * The registry schema, as ordered migrations. Append only: never edit a released migration,
 * add the next version. Each runs inside the opener's transaction, so no PRAGMA here.
 */
import type { Migration } from '@easel/common/sqlite/migrate';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: `
      CREATE TABLE users (
        name TEXT PRIMARY KEY,
        email TEXT,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;

      -- Only sha512(token) is kept (npm's token "key"); a token is shown once, at login.
      CREATE TABLE tokens (
        key TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('user', 'admin')),
        user_name TEXT REFERENCES users (name),
        readonly INTEGER NOT NULL DEFAULT 0 CHECK (readonly IN (0, 1)),
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        CHECK ((role = 'user') = (user_name IS NOT NULL))
      ) STRICT, WITHOUT ROWID;

      -- A package row outlives its versions: ownership and tombstones stay after an unpublish.
      CREATE TABLE packages (
        name TEXT PRIMARY KEY,
        rev INTEGER NOT NULL,
        search_text TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        modified_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE owners (
        package TEXT NOT NULL REFERENCES packages (name),
        user_name TEXT NOT NULL REFERENCES users (name),
        added_at TEXT NOT NULL,
        PRIMARY KEY (package, user_name)
      ) STRICT, WITHOUT ROWID;

      -- Rows are never deleted: an unpublished version keeps its row as a tombstone
      -- (unpublished_at set), so its number can never be published again.
      CREATE TABLE versions (
        package TEXT NOT NULL REFERENCES packages (name),
        version TEXT NOT NULL,
        seq INTEGER NOT NULL,
        doc TEXT NOT NULL CHECK (json_valid(doc)),
        manifest TEXT NOT NULL CHECK (json_valid(manifest)),
        integrity TEXT NOT NULL,
        shasum TEXT NOT NULL,
        size INTEGER NOT NULL,
        file_count INTEGER NOT NULL,
        unpacked_size INTEGER NOT NULL,
        publisher TEXT NOT NULL,
        published_at TEXT NOT NULL,
        deprecated TEXT,
        yanked_at TEXT,
        yank_reason TEXT,
        unpublished_at TEXT,
        readme TEXT,
        changelog TEXT,
        PRIMARY KEY (package, version)
      ) STRICT;
      CREATE INDEX versions_by_integrity ON versions (integrity) WHERE unpublished_at IS NULL;

      CREATE TABLE dist_tags (
        package TEXT NOT NULL REFERENCES packages (name),
        tag TEXT NOT NULL,
        version TEXT NOT NULL,
        PRIMARY KEY (package, tag),
        FOREIGN KEY (package, version) REFERENCES versions (package, version)
      ) STRICT, WITHOUT ROWID;

      -- Tarball downloads per version and UTC day.
      CREATE TABLE downloads (
        package TEXT NOT NULL,
        version TEXT NOT NULL,
        day TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (package, version, day)
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'library packages',
    sql: `
      -- 'library': a package of a library scope, not a plugin bundle; its manifest column holds 'null'.
      ALTER TABLE versions ADD COLUMN kind TEXT NOT NULL DEFAULT 'plugin' CHECK (kind IN ('plugin', 'library'));
    `,
  },
  {
    version: 3,
    name: 'token api and password failures',
    sql: `
      -- npm's token API: a token may carry a name, an address allow-list (JSON array of CIDRs) and an expiry.
      ALTER TABLE tokens ADD COLUMN name TEXT;
      ALTER TABLE tokens ADD COLUMN cidr_whitelist TEXT CHECK (cidr_whitelist IS NULL OR json_valid(cidr_whitelist));
      ALTER TABLE tokens ADD COLUMN expires_at TEXT;
      CREATE INDEX tokens_by_user ON tokens (user_name, created_at) WHERE role = 'user' AND revoked_at IS NULL;

      -- Wrong passwords per subject ('user:NAME', 'addr:ADDRESS') in a fixed window (ms since the epoch).
      CREATE TABLE password_failures (
        subject TEXT PRIMARY KEY,
        window_start INTEGER NOT NULL,
        failures INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX password_failures_by_start ON password_failures (window_start);
    `,
  },
];

/** The newest schema version this code knows. */
export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
