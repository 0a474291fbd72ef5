/**
 * The registry's signing key: ECDSA P-256, read from a PEM file, or generated at first
 * start into `<dataDir>/keys/signing-key.pem` (folder 0700, file 0600). The private key
 * stays in a `#private` field; only signatures and the public key leave this class.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { keyIdOf, signNpmVersion, signStatement, type FileStatement, type RegistrySignature } from '@easel/sdk/bundle';

/** One entry of `GET /-/npm/v1/keys`. */
export interface PublicKeyEntry {
  expires: string | null;
  keyid: string;
  keytype: 'ecdsa-sha2-nistp256';
  scheme: 'ecdsa-sha2-nistp256';
  /** base64 SPKI DER. */
  key: string;
}

export class RegistryKey {
  #privateKey: KeyObject;
  readonly keyid: string;
  readonly publicKey: PublicKeyEntry;

  private constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('the registry signing key must be an ECDSA P-256 private key');
    }
    this.#privateKey = privateKey;
    const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    this.keyid = keyIdOf(spki);
    this.publicKey = Object.freeze({ expires: null, keyid: this.keyid, keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', key: spki.toString('base64') });
  }

  /** Reads the PEM at `file`; when `generate` and the file does not exist, creates it first. */
  static async load(file: string, generate: boolean): Promise<{ key: RegistryKey; generated: boolean }> {
    let pem = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' && generate) return undefined;
      throw error;
    });
    let generated = false;
    if (pem === undefined) {
      const created = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      // 'wx': two registries starting on one data dir at once cannot overwrite each other's key.
      const handle = await open(file, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') return undefined;
        throw error;
      });
      if (handle) {
        try {
          await handle.writeFile(created);
          await handle.sync();
        } finally {
          await handle.close();
        }
        pem = created;
        generated = true;
      } else {
        pem = await readFile(file, 'utf8');
      }
    }
    return { key: new RegistryKey(createPrivateKey(pem)), generated };
  }

  signVersion(name: string, version: string, integrity: string): RegistrySignature {
    return signNpmVersion(name, version, integrity, this.#privateKey);
  }

  signStatement(statement: FileStatement): { text: string; signatures: RegistrySignature[] } {
    return signStatement(statement, this.#privateKey);
  }
}
