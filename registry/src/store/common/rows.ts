/**
 * Rows as both stores select them (same column names and JSON-as-text values), and the
 * records they become, so SQLite and PostgreSQL answer with identical records.
 */
import type { PackageRecord, Principal, TokenInfo, VersionRecord } from '../types.ts';
import { defined } from './values.ts';

export interface VersionRow {
  package: string;
  version: string;
  doc: string;
  manifest: string;
  integrity: string;
  shasum: string;
  size: number;
  file_count: number;
  unpacked_size: number;
  publisher: string;
  published_at: string;
  deprecated: string | null;
  yanked_at: string | null;
  yank_reason: string | null;
  unpublished_at: string | null;
  kind: 'plugin' | 'library';
}

/** Every version column but readme and changelog (up to 256K each), which only the detail views read. */
export const VERSION_COLUMNS = `package, version, doc, manifest, integrity, shasum, size, file_count, unpacked_size,
  publisher, published_at, deprecated, yanked_at, yank_reason, unpublished_at, kind`;

export function versionOf(row: VersionRow): VersionRecord {
  const kind = row.kind === 'library' ? { kind: 'library' as const } : { kind: 'plugin' as const, manifest: JSON.parse(row.manifest) };
  return defined({
    ...kind,
    name: row.package,
    version: row.version,
    doc: JSON.parse(row.doc),
    integrity: row.integrity,
    shasum: row.shasum,
    size: row.size,
    fileCount: row.file_count,
    unpackedSize: row.unpacked_size,
    publisher: row.publisher,
    publishedAt: row.published_at,
    deprecated: row.deprecated ?? undefined,
    yanked: row.yanked_at === null ? undefined : { at: row.yanked_at, reason: row.yank_reason ?? '' },
    unpublishedAt: row.unpublished_at ?? undefined,
  });
}

export interface TokenRow {
  key: string;
  role: 'user' | 'admin';
  user_name: string | null;
  /** 0 or 1 (PostgreSQL's boolean is selected as an integer too). */
  readonly: number;
  name: string | null;
  cidr_whitelist: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export function tokenInfoOf(row: TokenRow): TokenInfo {
  return defined({
    key: row.key,
    user: row.user_name as string,
    name: row.name ?? undefined,
    readonly: row.readonly === 1,
    cidrWhitelist: row.cidr_whitelist === null ? undefined : (JSON.parse(row.cidr_whitelist) as string[]),
    createdAt: row.created_at,
    expiresAt: row.expires_at ?? undefined,
  });
}

/** What a token row grants, or undefined when it is revoked or expired at `at`. */
export function principalOf(row: TokenRow | undefined, at: string): Principal | undefined {
  if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= at)) return undefined;
  if (row.role === 'admin') return { role: 'admin' as const, name: '~admin' as const };
  const cidr = row.cidr_whitelist === null ? {} : { cidrWhitelist: JSON.parse(row.cidr_whitelist) as string[] };
  return { role: 'user' as const, name: row.user_name as string, readonly: row.readonly === 1, ...cidr };
}

/** The latest live version's fields the search text is made from. */
export interface LatestRow {
  kind: 'plugin' | 'library';
  manifest: string;
  doc: string;
}

export interface PackageRow {
  name: string;
  rev: number;
  created_at: string;
  modified_at: string;
}

/** A package's record from its row, owners (with emails), tags and versions, each as selected. */
export function packageOf(
  row: PackageRow,
  owners: readonly { name: string; email: string | null }[],
  tags: readonly { tag: string; version: string }[],
  versions: readonly VersionRow[],
): PackageRecord {
  return {
    name: row.name,
    rev: row.rev,
    createdAt: row.created_at,
    modifiedAt: row.modified_at,
    owners: owners.map((o) => o.name),
    ownerEmails: Object.fromEntries(owners.filter((o) => o.email !== null).map((o) => [o.name, o.email as string])),
    distTags: Object.fromEntries(tags.map((t) => [t.tag, t.version])),
    versions: versions.map(versionOf),
  };
}
