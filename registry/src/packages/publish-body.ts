/**
 * Reads an npm publish body (`PUT /:name` with `_attachments`): exactly one version and one
 * tarball attachment, for the package in the path. Nothing else the client sends is
 * trusted: the registry recomputes digests and builds the version document from the bundle.
 */
import { createHash } from 'node:crypto';
import semver from 'semver';
import { RegistryError } from '../errors/index.ts';
import { tarballFile } from './names.ts';

export interface PublishRequest {
  version: string;
  /** dist-tags to point at the new version (default `latest`). */
  tags: string[];
  tarball: Buffer;
  integrity: string;
  shasum: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (name: string, problem: string) => new RegistryError('PUBLISH_INVALID', { package: name, problem });

/** True when the body carries attachments, i.e. is a publish and not a metadata edit. */
export function hasAttachments(body: unknown): boolean {
  return isObject(body) && isObject(body._attachments) && Object.keys(body._attachments).length > 0;
}

/** What isTagName checks, as DIST_TAG_INVALID says it. */
export const TAG_NAME_RULE = 'is not a valid tag name (letters, digits, `.`, `_` and `-`, at most 64, and not a semver range)';

/** A dist-tag npm would accept: not empty, not a semver range, URL-safe. */
export function isTagName(tag: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(tag) && semver.validRange(tag) === null;
}

export interface PublishBodyLimits {
  /** dist-tags one body may set. */
  maxDistTags: number;
  /** Largest tarball: longer base64 is refused before it is decoded. */
  maxBundleBytes: number;
}

export function parsePublishBody(name: string, body: unknown, limits: PublishBodyLimits): PublishRequest {
  if (!isObject(body)) throw invalid(name, 'the body must be a JSON object');
  if (body.name !== name || (body._id !== undefined && body._id !== name)) throw invalid(name, 'the body names another package');
  const versions = isObject(body.versions) ? Object.keys(body.versions) : [];
  const attachments = isObject(body._attachments) ? Object.keys(body._attachments) : [];
  if (versions.length !== 1 || attachments.length !== 1) {
    throw invalid(name, `the body must carry exactly one version and one attachment (it has ${versions.length} and ${attachments.length})`);
  }
  const version = versions[0]!;
  if (semver.valid(version) !== version) throw invalid(name, `the version ${JSON.stringify(version)} is not a valid semver version`);
  const doc = (body.versions as Json)[version];
  if (!isObject(doc) || doc.name !== name || doc.version !== version) throw invalid(name, 'versions[v] must carry the same name and version');

  const key = attachments[0]!;
  // The key is `${name}-${version}.tgz`, which contains a `/` for scoped names.
  if (key.slice(key.lastIndexOf('/') + 1) !== tarballFile(name, version)) throw invalid(name, `the attachment must be named ${tarballFile(name, version)}`);
  const attachment = (body._attachments as Json)[key];
  const data = isObject(attachment) ? attachment.data : undefined;
  // Refused before decoding: base64 of n bytes is ceil(n/3)*4 characters.
  if (typeof data === 'string' && data.length > Math.ceil(limits.maxBundleBytes / 3) * 4) {
    const size = `${data.length} characters of base64`;
    const problem = { path: '', message: `is more than the ${limits.maxBundleBytes}-byte limit (${size})` };
    throw new RegistryError('BUNDLE_TOO_LARGE', { limit: limits.maxBundleBytes, size }, { problems: [problem] });
  }
  const tarball = typeof data === 'string' ? Buffer.from(data, 'base64') : undefined;
  // Buffer.from skips characters that are not base64; re-encoding catches them (no regex over megabytes).
  if (!tarball || tarball.length === 0 || tarball.toString('base64') !== data) throw invalid(name, 'the attachment data must be base64');
  const length = (attachment as Json).length;
  if (length !== undefined && length !== tarball.length) {
    throw invalid(name, `the attachment is ${tarball.length} bytes, not the ${String(length)} its length says`);
  }

  const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
  const shasum = createHash('sha1').update(tarball).digest('hex');
  const dist = isObject(doc.dist) ? doc.dist : {};
  if (dist.integrity !== undefined && dist.integrity !== integrity) {
    throw new RegistryError('INTEGRITY_MISMATCH', { field: 'integrity', sent: String(dist.integrity), actual: integrity });
  }
  if (dist.shasum !== undefined && dist.shasum !== shasum) {
    throw new RegistryError('INTEGRITY_MISMATCH', { field: 'shasum', sent: String(dist.shasum), actual: shasum });
  }
  return { version, tags: parseTags(name, body['dist-tags'], version, limits.maxDistTags), tarball, integrity, shasum };
}

function parseTags(name: string, value: unknown, version: string, maxDistTags: number): string[] {
  if (value === undefined) return ['latest'];
  if (!isObject(value)) throw invalid(name, 'dist-tags must be an object');
  const tags = Object.keys(value);
  if (tags.length > maxDistTags) throw new RegistryError('DIST_TAG_LIMIT', { package: name, count: tags.length, max: maxDistTags });
  for (const tag of tags) {
    if (!isTagName(tag)) throw new RegistryError('DIST_TAG_INVALID', { tag: JSON.stringify(tag), problem: TAG_NAME_RULE });
    if (value[tag] !== version) throw invalid(name, `dist-tag ${tag} must point at the published version ${version}`);
  }
  return tags;
}
