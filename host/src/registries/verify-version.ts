/**
 * Registry signatures on a version: npm's registry signature over `name@version:integrity`
 * and Easel's signed file statement (every file with its sha256), both checked against the
 * trusted keys from config, never against keys served next to the signatures. Under
 * `require` anything missing or wrong refuses the install; under `warn` it is logged.
 */
import { checkFiles, verifyNpmVersion, verifyStatement, type FileStatement, type TrustedKey } from '@easel/sdk/bundle';
import type { FastifyBaseLogger } from 'fastify';
import { EaselError } from '../errors/index.ts';
import type { Packument, VersionDoc } from './registry-client.ts';

export type SignaturePolicy = 'require' | 'warn' | 'off';

export interface SignatureCheck {
  policy: SignaturePolicy;
  trusted: readonly TrustedKey[];
  log: FastifyBaseLogger;
}

function refuse(check: SignatureCheck, id: string, reason: string, problems?: string[]): void {
  if (check.policy === 'require') {
    throw new EaselError('SIGNATURE_INVALID', { plugin: id, reason }, problems ? { problems } : undefined);
  }
  check.log.warn({ plugin: id, reason, problems }, 'installing a version whose signature does not verify (EASEL_REGISTRY_SIGNATURES=warn)');
}

/** Checks the signatures of a version before its tarball is unpacked; returns its verified file statement. */
export function verifyVersionSignatures(packument: Packument, version: VersionDoc, check: SignatureCheck): FileStatement | undefined {
  if (check.policy === 'off') return undefined;
  const id = `${version.name}@${version.version}`;
  const published = packument.time?.[version.version];
  const at = published === undefined ? new Date() : new Date(published);
  const integrity = version.dist.integrity ?? '';
  const npm = verifyNpmVersion(version.name, version.version, integrity, version.dist.signatures ?? [], check.trusted, at);
  if (!npm.ok) refuse(check, id, `registry signature: ${npm.reason}`);
  const text = version.dist['easel:statement'];
  if (typeof text !== 'string') {
    refuse(check, id, 'no signed file list (easel:statement)');
    return undefined;
  }
  const statement = verifyStatement(text, version.dist['easel:signatures'] ?? [], check.trusted, at);
  if (!statement.ok) {
    refuse(check, id, `file list: ${statement.reason}`);
    return undefined;
  }
  const s = statement.statement;
  if (s.name !== version.name || s.version !== version.version || s.integrity !== integrity) {
    refuse(check, id, 'the signed file list is for another version or tarball');
    return undefined;
  }
  return s;
}

/** After extraction: the files on disk must be exactly those the statement signed. */
export function verifyExtractedFiles(statement: FileStatement | undefined, files: readonly { path: string; sha256: string }[], id: string, check: SignatureCheck): void {
  if (!statement) return;
  const problems = checkFiles(statement, files);
  if (problems.length > 0) refuse(check, id, 'the files do not match the signed file list', problems);
}

/** Parses the trusted keys from config (validated by loadConfig). */
export function parseTrustedKeys(json: string): TrustedKey[] {
  return JSON.parse(json) as TrustedKey[];
}
