/**
 * Expiring blob URLs: `/v1/blobs/<id>?expires=<unix seconds>&sig=<HMAC-SHA256>`. The HMAC
 * covers the blob id and the expiry with a host secret, so a URL cannot be stretched to
 * another blob or a later time; it stops working when the blob is overwritten or deleted
 * (a new put is a new id).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class UrlSigner {
  #secret: Buffer;
  #base: string;

  /** `publicUrl`: absolute base for the URLs; absent: host-relative paths. */
  constructor(secret: Buffer, publicUrl: string | undefined) {
    this.#secret = secret;
    this.#base = publicUrl ?? '';
  }

  url(blobId: string, expiresAt: number): string {
    return `${this.#base}/v1/blobs/${blobId}?expires=${expiresAt}&sig=${this.#sign(blobId, expiresAt)}`;
  }

  /** 'ok', 'expired' or 'invalid' (malformed or forged); compares in constant time. */
  check(blobId: string, expires: unknown, sig: unknown, nowSeconds = Math.floor(Date.now() / 1000)): 'ok' | 'expired' | 'invalid' {
    if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof sig !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return 'invalid';
    const expected = Buffer.from(this.#sign(blobId, Number(expires)));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    return Number(expires) < nowSeconds ? 'expired' : 'ok';
  }

  #sign(blobId: string, expiresAt: number): string {
    return createHmac('sha256', this.#secret).update(`blob\n${blobId}\n${expiresAt}`).digest('base64url');
  }
}
