/**
 * Registry signatures, shared by the registry (which signs) and the host (which verifies).
 *
 * Two signatures per published version, both ECDSA P-256 over SHA-256, DER, base64:
 * - npm's registry-signature format, over `${name}@${version}:${integrity}`, so that
 *   `npm audit signatures` and any npm-compatible tool can check it;
 * - a file statement: the canonical JSON text of {@link FileStatement}, which lists every
 *   file of the bundle with its sha256, so a renamed or swapped file is caught after
 *   extraction, not only changed tarball bytes.
 *
 * Trusted keys come from configuration, never from the response that carries a signature.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** One signature as npm writes it in `dist.signatures`. */
export interface RegistrySignature {
  keyid: string;
  /** base64 DER ECDSA-SHA256. */
  sig: string;
}

/** A public key the verifier trusts (the shape of one entry of `/-/npm/v1/keys`, plus policy). */
export type TrustedKey = {
  /** `SHA256:` + unpadded base64 of sha256(SPKI DER), see {@link keyIdOf}. */
  keyid: string;
  /** base64 SPKI DER of an ECDSA P-256 public key. */
  key: string;
  /** ISO date: signatures made (versions published) before it are refused. */
  notBefore?: string;
  /** ISO date: signatures made (versions published) after it are refused; null or absent: never. */
  expires?: string | null;
  /** A revoked key verifies nothing, whatever the dates. */
  revoked?: boolean;
};

/** The signed list of a version's files: what the host checks after extraction and at every start. */
export type FileStatement = {
  v: 1;
  name: string;
  version: string;
  /** sha512 SRI of the tarball, as `dist.integrity`. */
  integrity: string;
  /** Every file, by path relative to `package/`, with its lowercase hex sha256. */
  files: Record<string, string>;
  /** The `engines.easel` range of the manifest. */
  hostApi: string;
  publisher: string;
  /** ISO date of the publish. */
  publishedAt: string;
};

export type VerifyResult<T> = ({ ok: true } & T) | { ok: false; reason: string };

/**
 * JSON text with object keys sorted (by UTF-16 code units, at every depth) and no
 * whitespace: one text per value, so a signature over it can be checked by re-serialising.
 * Properties whose value is `undefined` are left out, as JSON.stringify does; values JSON
 * cannot carry exactly (non-finite numbers, bigint, functions, `undefined` in arrays) throw.
 *
 * @example
 * ```ts
 * canonicalJson({ b: [1, { d: 1, c: 2 }], a: 'x' }); // '{"a":"x","b":[1,{"c":2,"d":1}]}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => {
      if (item === undefined) throw new TypeError('canonicalJson: undefined in an array');
      return canonicalJson(item);
    }).join(',')}]`;
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
}

/**
 * npm's key id: `SHA256:` + base64 (no padding) of sha256 over the SPKI DER public key.
 *
 * @example
 * ```ts
 * const spki = publicKey.export({ type: 'spki', format: 'der' });
 * keyIdOf(spki); // 'SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA'
 * ```
 */
export function keyIdOf(spkiDer: Buffer): string {
  return `SHA256:${createHash('sha256').update(spkiDer).digest('base64').replace(/=+$/, '')}`;
}

function spkiOf(privateKey: KeyObject): Buffer {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
}

function signBytes(message: Buffer, privateKey: KeyObject): RegistrySignature {
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new TypeError('signing needs an ECDSA P-256 private key');
  }
  return { keyid: keyIdOf(spkiOf(privateKey)), sig: sign('sha256', message, privateKey).toString('base64') };
}

/**
 * Signs a version in npm's registry-signature format (`dist.signatures[]`).
 *
 * @example
 * ```ts
 * const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
 * dist.signatures = [signNpmVersion('hello', '1.0.0', dist.integrity, privateKey)];
 * ```
 */
export function signNpmVersion(name: string, version: string, integrity: string, privateKey: KeyObject): RegistrySignature {
  return signBytes(Buffer.from(`${name}@${version}:${integrity}`, 'utf8'), privateKey);
}

/**
 * Checks that one of `signatures` is a valid signature of `${name}@${version}:${integrity}`
 * by a key of `trusted` that was valid at `at` (the version's publish time; default now).
 *
 * @example
 * ```ts
 * const r = verifyNpmVersion(name, v, doc.dist.integrity, doc.dist.signatures ?? [], trustedKeys, new Date(packument.time[v]));
 * if (!r.ok) throw new Error(`signature: ${r.reason}`);
 * ```
 */
export function verifyNpmVersion(
  name: string,
  version: string,
  integrity: string,
  signatures: readonly RegistrySignature[],
  trusted: readonly TrustedKey[],
  at: Date = new Date(),
): VerifyResult<{ keyid: string }> {
  return verifyBytes(Buffer.from(`${name}@${version}:${integrity}`, 'utf8'), signatures, trusted, at);
}

/**
 * Signs a file statement: returns its canonical JSON text and the signature over the
 * text's UTF-8 bytes (`dist['easel:statement']`, `dist['easel:signatures']`).
 *
 * @example
 * ```ts
 * const { text, signatures } = signStatement({ v: 1, name, version, integrity, files, hostApi, publisher, publishedAt }, key);
 * ```
 */
export function signStatement(statement: FileStatement, privateKey: KeyObject): { text: string; signatures: RegistrySignature[] } {
  const problem = statementProblem(statement);
  if (problem !== undefined) throw new TypeError(`signStatement: ${problem}`);
  const text = canonicalJson(statement);
  return { text, signatures: [signBytes(Buffer.from(text, 'utf8'), privateKey)] };
}

/**
 * Verifies a signed statement text and returns the statement. The text must be canonical
 * (re-serialising the parsed value gives the same text) and well-formed. The caller still
 * compares `statement.name`, `version` and `integrity` with what it downloaded, and the
 * files with {@link checkFiles}.
 *
 * @example
 * ```ts
 * const r = verifyStatement(dist['easel:statement'], dist['easel:signatures'], trustedKeys, new Date(time[v]));
 * if (r.ok && r.statement.integrity === dist.integrity) problems.push(...checkFiles(r.statement, extracted.files));
 * ```
 */
export function verifyStatement(
  text: string,
  signatures: readonly RegistrySignature[],
  trusted: readonly TrustedKey[],
  at: Date = new Date(),
): VerifyResult<{ statement: FileStatement }> {
  if (typeof text !== 'string') return { ok: false, reason: 'the statement is not a string' };
  const signed = verifyBytes(Buffer.from(text, 'utf8'), signatures, trusted, at);
  if (!signed.ok) return signed;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the statement is not JSON' };
  }
  const problem = statementProblem(value);
  if (problem !== undefined) return { ok: false, reason: `the statement is malformed: ${problem}` };
  if (canonicalJson(value) !== text) return { ok: false, reason: 'the statement is not in canonical form' };
  return { ok: true, statement: value as FileStatement };
}

/**
 * Compares the files found on disk with a statement: every path must be listed, with the
 * same sha256, and nothing more. Returns the problems (`missing: p`, `extra: p`,
 * `changed: p`, `duplicate: p`); empty when everything matches.
 *
 * @example
 * ```ts
 * const problems = checkFiles(statement, extracted.files); // extracted = await extractBundle(...)
 * if (problems.length > 0) refuse(problems);
 * ```
 */
export function checkFiles(statement: FileStatement, files: readonly { path: string; sha256: string }[]): string[] {
  const problems: string[] = [];
  const expected = new Map(Object.entries(statement.files));
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) {
      problems.push(`duplicate: ${file.path}`);
      continue;
    }
    seen.add(file.path);
    const want = expected.get(file.path);
    if (want === undefined) problems.push(`extra: ${file.path}`);
    else if (want !== file.sha256.toLowerCase()) problems.push(`changed: ${file.path}`);
  }
  for (const path of expected.keys()) if (!seen.has(path)) problems.push(`missing: ${path}`);
  return problems;
}

function verifyBytes(
  message: Buffer,
  signatures: readonly RegistrySignature[],
  trusted: readonly TrustedKey[],
  at: Date,
): VerifyResult<{ keyid: string }> {
  if (!Array.isArray(signatures) || signatures.length === 0) return { ok: false, reason: 'no signatures' };
  const reasons: string[] = [];
  for (const signature of signatures) {
    if (typeof signature?.keyid !== 'string' || typeof signature.sig !== 'string') {
      reasons.push('a signature entry is malformed');
      continue;
    }
    const key = trusted.find((k) => k.keyid === signature.keyid);
    if (!key) {
      reasons.push(`key ${signature.keyid} is not trusted`);
      continue;
    }
    const problem = keyProblem(key, at);
    if (problem !== undefined) {
      reasons.push(`key ${key.keyid} ${problem}`);
      continue;
    }
    const publicKey = createPublicKey({ key: Buffer.from(key.key, 'base64'), format: 'der', type: 'spki' });
    if (verify('sha256', message, publicKey, Buffer.from(signature.sig, 'base64'))) return { ok: true, keyid: key.keyid };
    reasons.push(`the signature by ${key.keyid} does not match`);
  }
  return { ok: false, reason: reasons.join('; ') };
}

/** Why a trusted key cannot verify a signature made at `at`, or undefined when it can. */
function keyProblem(key: TrustedKey, at: Date): string | undefined {
  if (key.revoked === true) return 'is revoked';
  if (key.notBefore !== undefined && !(at.getTime() >= Date.parse(key.notBefore))) return `is not valid before ${key.notBefore}`;
  if (key.expires !== undefined && key.expires !== null && !(at.getTime() < Date.parse(key.expires))) return `expired at ${key.expires}`;
  let spki: Buffer;
  try {
    const publicKey = createPublicKey({ key: Buffer.from(key.key, 'base64'), format: 'der', type: 'spki' });
    if (publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return 'is not an ECDSA P-256 key';
    spki = publicKey.export({ type: 'spki', format: 'der' });
  } catch {
    return 'is not a valid SPKI public key';
  }
  // A configuration that labels a key with another key's id would make the id meaningless.
  if (keyIdOf(spki) !== key.keyid) return 'does not match its keyid';
  return undefined;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const STATEMENT_KEYS = ['files', 'hostApi', 'integrity', 'name', 'publishedAt', 'publisher', 'v', 'version'];

function statementProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an object';
  const s = value as Record<string, unknown>;
  const keys = Object.keys(s).sort();
  if (keys.join() !== STATEMENT_KEYS.join()) return `keys must be exactly ${STATEMENT_KEYS.join(', ')}`;
  if (s.v !== 1) return 'v must be 1';
  for (const k of ['name', 'version', 'integrity', 'hostApi', 'publisher', 'publishedAt']) {
    if (typeof s[k] !== 'string' || s[k] === '') return `${k} must be a non-empty string`;
  }
  if (typeof s.files !== 'object' || s.files === null || Array.isArray(s.files)) return 'files must be an object';
  for (const [path, sha] of Object.entries(s.files)) {
    if (path === '' || typeof sha !== 'string' || !SHA256_HEX.test(sha)) return `files[${JSON.stringify(path)}] must be a lowercase hex sha256`;
  }
  return undefined;
}
