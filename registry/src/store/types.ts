/**
 * The registry store's contract. Every method returns a Promise so that a store shared by
 * several registry replicas (PostgreSQL) can implement the same interfaces; SQLite lives in
 * ./sqlite. Timestamps are ISO 8601 strings (UTC).
 */
import type { PluginManifest } from '@easel/sdk';

export interface UserRecord {
  name: string;
  email?: string;
  /** `scrypt$N$r$p$salt$hash` (see auth/passwords.ts). */
  passwordHash: string;
  createdAt: string;
}

/** Who a token belongs to; `cidrWhitelist`: the only addresses the token may be used from. */
export type Principal = { role: 'user'; name: string; readonly: boolean; cidrWhitelist?: readonly string[] } | { role: 'admin'; name: '~admin' };

export interface UserRepository {
  get(name: string): Promise<UserRecord | undefined>;
  /** False when the name is taken. */
  create(user: { name: string; email?: string; passwordHash: string }): Promise<boolean>;
}

export interface TokenOptions {
  readonly?: boolean;
  name?: string;
  /** CIDRs (`10.0.0.0/8`, `2001:db8::/32`) the token may be used from; absent: anywhere. */
  cidrWhitelist?: readonly string[];
  /** ISO date after which the token is refused. */
  expiresAt?: string;
}

/** A user token as listed (npm's token API): never the token, only its key. */
export interface TokenInfo {
  /** sha512 hex of the token: what npm calls its `key`. */
  key: string;
  user: string;
  name?: string;
  readonly: boolean;
  cidrWhitelist?: string[];
  createdAt: string;
  expiresAt?: string;
}

export interface TokenRepository {
  /** A new token for `user`; only its sha512 is stored, the token is returned once. */
  issue(user: string, options?: TokenOptions): Promise<{ token: string; info: TokenInfo }>;
  /** `user`'s live (not revoked, not expired) tokens, newest first. */
  list(user: string, page: { limit: number; offset: number }): Promise<{ total: number; tokens: TokenInfo[] }>;
  /** Revokes the token of that key; when `user` is given, only if it is theirs. False when no such live token. */
  revokeKey(key: string, user?: string): Promise<boolean>;
  /** Stores the hash of an admin token; false when it was already stored. */
  addAdmin(token: string): Promise<boolean>;
  /** Makes `token` the only valid admin token: stored (or un-revoked), every other admin token revoked. */
  setOnlyAdmin(token: string): Promise<void>;
  countAdmins(): Promise<number>;
  resolve(token: string): Promise<Principal | undefined>;
  /** False when the token was unknown or already revoked. */
  revoke(token: string): Promise<boolean>;
}

/** The version document as published (packuments add `deprecated` and `easel:yanked` when serving). */
export type VersionDoc = Record<string, unknown> & {
  name: string;
  version: string;
  dist: Record<string, unknown> & { integrity: string; shasum: string };
};

export interface YankInfo {
  at: string;
  reason: string;
}

/**
 * What a version is: a plugin bundle (with its validated manifest), or a library, an npm
 * package of a library scope (EASEL_REGISTRY_LIBRARY_SCOPES) that no host installs.
 */
export type VersionKind = { kind: 'plugin'; manifest: PluginManifest } | { kind: 'library'; manifest?: undefined };

export type VersionRecord = VersionKind & VersionFields;

/** A plugin's version: what the marketplace API shows. */
export type PluginVersionRecord = Extract<VersionRecord, { kind: 'plugin' }>;

export interface VersionFields {
  name: string;
  version: string;
  doc: VersionDoc;
  integrity: string;
  shasum: string;
  /** Bytes of the tarball. */
  size: number;
  fileCount: number;
  unpackedSize: number;
  publisher: string;
  publishedAt: string;
  deprecated?: string;
  yanked?: YankInfo;
  /** Set on a tombstone: the version was unpublished and its number can never be reused. */
  unpublishedAt?: string;
}

/** README and CHANGELOG of one version (up to 256K characters each): read only where served. */
export interface VersionTexts {
  readme?: string;
  changelog?: string;
}

export type NewVersion = VersionKind & Omit<VersionFields, 'deprecated' | 'yanked' | 'unpublishedAt'> & VersionTexts;

export interface PackageRecord {
  name: string;
  createdAt: string;
  modifiedAt: string;
  /** Increases with every change; packuments show it as `_rev`. */
  rev: number;
  owners: string[];
  /** Owners' emails, when they gave one at sign-up (npm shows them as public). */
  ownerEmails: Record<string, string>;
  distTags: Record<string, string>;
  /** Every version ever published, tombstones included, in publish order. */
  versions: VersionRecord[];
}

export interface SearchQuery {
  text: string;
  limit: number;
  offset: number;
  /** Only packages whose latest live version is of this kind; absent: both. */
  kind?: VersionKind['kind'];
}

export interface PackageRepository {
  /** The package with every version's record (README and CHANGELOG not included). */
  get(name: string): Promise<PackageRecord | undefined>;
  /** One version's record, tombstone or not, without reading the rest of the package. */
  version(name: string, version: string): Promise<VersionRecord | undefined>;
  /** One version's README and CHANGELOG; empty when the version is unknown. */
  texts(name: string, version: string): Promise<VersionTexts>;
  /**
   * In one transaction: creates the package (owned by `owner`) when new, inserts the
   * version, points `tags` at it and bumps the revision. Rejects with VERSION_EXISTS when
   * the number is taken, by a live version or a tombstone.
   */
  publish(version: NewVersion, tags: readonly string[], owner: string): Promise<void>;
  /** `null` removes the deprecation. Versions not live are skipped. */
  setDeprecations(name: string, changes: ReadonlyMap<string, string | null>): Promise<void>;
  setTag(name: string, tag: string, version: string): Promise<void>;
  removeTag(name: string, tag: string): Promise<boolean>;
  /**
   * Turns live versions into tombstones, drops the tags that pointed at them and sets
   * `latest` (when given and live). Returns the integrities no live version uses any more.
   */
  unpublish(name: string, versions: readonly string[], latest?: string): Promise<string[]>;
  setOwners(name: string, owners: readonly string[]): Promise<void>;
  /** Every user who owns a package of `scope` (`@easel`), unpublished packages included. */
  scopeOwners(scope: string): Promise<string[]>;
  setYanked(name: string, version: string, yanked: YankInfo | null): Promise<void>;
  /** Packages with at least one live version whose text matches every word, best first. */
  search(query: SearchQuery): Promise<{ total: number; names: string[] }>;
}

export interface DownloadCounts {
  total: number;
  versions: Record<string, number>;
  /** Per UTC day (YYYY-MM-DD), oldest first. */
  days: { day: string; count: number }[];
}

export interface DownloadRepository {
  record(name: string, version: string): Promise<void>;
  counts(name: string): Promise<DownloadCounts>;
  totals(names: readonly string[]): Promise<Map<string, number>>;
}

/** Failed password checks counted per subject in fixed windows, decided in the store. */
export interface PasswordFailureRepository {
  /**
   * Counts one attempt against each subject (a new window starts when the last one is over)
   * and returns each subject's count and window start (ms since the epoch), in order.
   */
  hit(subjects: readonly string[], windowMs: number, now: number): Promise<{ failures: number; windowStart: number }[]>;
  /** Takes back one attempt of each subject (the password was right). */
  forgive(subjects: readonly string[]): Promise<void>;
}

export interface RegistryStore {
  users: UserRepository;
  tokens: TokenRepository;
  passwordFailures: PasswordFailureRepository;
  packages: PackageRepository;
  downloads: DownloadRepository;
  /**
   * Runs `task` while holding the lock of `key` (a package name, or a library scope): the
   * package service's read, check and write of one package never interleave with another's.
   * SQLite: in this process (one process owns the file); PostgreSQL: across every replica on
   * the database. A caller may take a package's lock, then its scope's, never the other order.
   */
  lockPackage<T>(key: string, task: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
