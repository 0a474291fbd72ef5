/**
 * Talks to npm-protocol registries (ours, verdaccio, any npm-compatible one). Packuments are
 * asked of each configured registry in order; tarballs are fetched only from the origin of
 * a configured registry, without following redirects, under a size cap, and their sha512 is
 * checked against `dist.integrity` before anything else looks at the bytes.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EaselError } from '../errors/index.ts';
import { readCapped } from './read-capped.ts';

export interface VersionDoc {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  engines?: { easel?: string };
  deprecated?: string;
  /** Set by Easel's registry on yanked versions. */
  'easel:yanked'?: { at: string; reason: string };
  dist: {
    tarball: string;
    integrity?: string;
    signatures?: { keyid: string; sig: string }[];
    'easel:statement'?: string;
    'easel:signatures'?: { keyid: string; sig: string }[];
  };
}

export interface Packument {
  name: string;
  'dist-tags'?: Record<string, string>;
  time?: Record<string, string>;
  versions: Record<string, VersionDoc>;
}

export interface RegistryClientOptions {
  urls: string[];
  timeoutMs: number;
  maxPackumentBytes: number;
  maxTarballBytes: number;
}

export class RegistryClient {
  #options: RegistryClientOptions;
  #origins: Set<string>;

  constructor(options: RegistryClientOptions) {
    this.#options = options;
    this.#origins = new Set(options.urls.map((u) => new URL(u).origin));
  }

  get configured(): boolean {
    return this.#options.urls.length > 0;
  }

  /** The packument from the first registry that has the name, or undefined. */
  async packument(name: string): Promise<{ registry: string; doc: Packument } | undefined> {
    if (!this.configured) throw new EaselError('REGISTRY_UNAVAILABLE', { reason: 'none is configured (EASEL_REGISTRY_URL)' });
    for (const registry of this.#options.urls) {
      const url = new URL(encodeURIComponent(name), registry.endsWith('/') ? registry : `${registry}/`);
      const response = await this.#fetch(url, 'application/json');
      if (response.status === 404) {
        await response.body?.cancel();
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new EaselError('REGISTRY_UNAVAILABLE', { reason: `${url.origin} answered ${response.status} for ${name}` });
      }
      const body = await readCapped(response, this.#options.maxPackumentBytes);
      if (!body) throw new EaselError('REGISTRY_UNAVAILABLE', { reason: `the package document of ${name} is over ${this.#options.maxPackumentBytes} bytes` });
      const doc = parsePackument(body, name);
      return { registry, doc };
    }
    return undefined;
  }

  /** Package names the registries list (npm's search endpoint; empty text: everything it shows). */
  async search(size = 250, text = ''): Promise<string[]> {
    if (!this.configured) throw new EaselError('REGISTRY_UNAVAILABLE', { reason: 'none is configured (EASEL_REGISTRY_URL)' });
    const names = new Set<string>();
    for (const registry of this.#options.urls) {
      const url = new URL(`-/v1/search?text=${encodeURIComponent(text)}&size=${size}`, registry.endsWith('/') ? registry : `${registry}/`);
      const response = await this.#fetch(url, 'application/json');
      const body = response.ok ? await readCapped(response, this.#options.maxPackumentBytes) : (await response.body?.cancel(), undefined);
      if (!body) throw new EaselError('REGISTRY_UNAVAILABLE', { reason: `${url.origin} answered ${response.status} to a search` });
      try {
        const found = JSON.parse(body.toString('utf8')) as { objects?: { package?: { name?: unknown } }[] };
        for (const o of found.objects ?? []) if (typeof o.package?.name === 'string') names.add(o.package.name);
      } catch {
        throw new EaselError('REGISTRY_UNAVAILABLE', { reason: `${url.origin} answered a search with something that is not JSON` });
      }
    }
    return [...names].sort();
  }

  /**
   * Download counts from an Easel registry's marketplace API (`/api/v1/packages/:name/downloads`);
   * undefined from a registry without it (verdaccio, npm) or when it does not answer well.
   */
  async downloads(registry: string, name: string): Promise<{ total: number; versions: Record<string, number> } | undefined> {
    if (!this.#options.urls.includes(registry)) return undefined;
    const url = new URL(`api/v1/packages/${encodeURIComponent(name)}/downloads`, registry.endsWith('/') ? registry : `${registry}/`);
    const response = await this.#fetch(url, 'application/json').catch(() => undefined);
    if (!response?.ok) {
      await response?.body?.cancel();
      return undefined;
    }
    const body = await readCapped(response, this.#options.maxPackumentBytes);
    try {
      const found = JSON.parse(body?.toString('utf8') ?? '') as { total?: unknown; versions?: unknown };
      if (typeof found.total !== 'number' || found.versions === null || typeof found.versions !== 'object') return undefined;
      const versions = Object.fromEntries(Object.entries(found.versions).filter((e): e is [string, number] => typeof e[1] === 'number'));
      return { total: found.total, versions };
    } catch {
      return undefined;
    }
  }

  /** The tarball of a version, its integrity verified. */
  async tarball(version: VersionDoc): Promise<Buffer> {
    const id = `${version.name}@${version.version}`;
    let url: URL;
    try {
      url = new URL(version.dist.tarball);
    } catch {
      throw new EaselError('TARBALL_REFUSED', { plugin: id, reason: 'its URL is not valid' });
    }
    // A registry document is data, not authority: it may not send us to another host.
    if (!this.#origins.has(url.origin)) {
      throw new EaselError('TARBALL_REFUSED', { plugin: id, reason: `it is at ${url.origin}, which is not a configured registry` });
    }
    const integrity = version.dist.integrity;
    if (typeof integrity !== 'string' || !integrity.startsWith('sha512-')) {
      throw new EaselError('INTEGRITY_MISMATCH', { plugin: id, reason: 'the version has no sha512 integrity' });
    }
    const response = await this.#fetch(url, 'application/octet-stream');
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new EaselError('TARBALL_REFUSED', { plugin: id, reason: 'the registry redirected it; redirects are not followed' });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new EaselError('REGISTRY_UNAVAILABLE', { reason: `${url.origin} answered ${response.status} for ${id}'s tarball` });
    }
    const bytes = await readCapped(response, this.#options.maxTarballBytes);
    if (!bytes) throw new EaselError('BUNDLE_TOO_LARGE', { limit: this.#options.maxTarballBytes });
    const expected = Buffer.from(integrity.slice('sha512-'.length), 'base64');
    const actual = createHash('sha512').update(bytes).digest();
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new EaselError('INTEGRITY_MISMATCH', { plugin: id, reason: 'it does not match its sha512 integrity' });
    }
    return bytes;
  }

  async #fetch(url: URL, accept: string): Promise<Response> {
    try {
      return await fetch(url, { headers: { accept }, redirect: 'manual', signal: AbortSignal.timeout(this.#options.timeoutMs) });
    } catch (error) {
      throw new EaselError('REGISTRY_UNAVAILABLE', { reason: `${url.origin} could not be reached: ${(error as Error).name}` });
    }
  }
}

function parsePackument(body: Buffer, name: string): Packument {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw new EaselError('REGISTRY_UNAVAILABLE', { reason: `the package document of ${name} is not JSON` });
  }
  const d = doc as Packument;
  if (d === null || typeof d !== 'object' || d.name !== name || d.versions === null || typeof d.versions !== 'object') {
    throw new EaselError('REGISTRY_UNAVAILABLE', { reason: `the package document of ${name} is malformed` });
  }
  return d;
}
