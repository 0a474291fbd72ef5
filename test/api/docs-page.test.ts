/**
 * `/docs`, the interactive reference, is served whole by the host: its HTML names no outside
 * URL, every asset it loads answers from the host, its policy lets the browser load nothing
 * from elsewhere, and it reads `/openapi.json`. `/` points at the reference and the document.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHost, type RunningHost } from '../helpers/host.ts';

let host: RunningHost;

beforeAll(async () => {
  host = await startHost();
});

afterAll(async () => {
  await host?.close();
});

/** The src and href values of an HTML page. */
function references(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
}

const CONTENT_TYPES: Record<string, RegExp> = { css: /^text\/css/, js: /^(application|text)\/javascript/, png: /^image\/png/ };

describe('/docs', () => {
  for (const page of ['/docs', '/docs/']) {
    test(`${page}: the page and every asset it loads come from the host`, async () => {
      const res = await fetch(`${host.url}${page}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).not.toMatch(/https?:\/\//);
      const refs = references(html);
      expect(refs.length).toBeGreaterThanOrEqual(5);
      for (const ref of refs) {
        // Relative to the page or to the host: never another origin (`//cdn…` included).
        expect(ref, ref).not.toMatch(/^[a-z][a-z0-9+.-]*:|^\/\//i);
        const url = new URL(ref, `${host.url}${page}`);
        expect(url.origin).toBe(new URL(host.url).origin);
        const asset = await fetch(url);
        expect(asset.status, ref).toBe(200);
        const ext = url.pathname.split('.').pop()!;
        if (CONTENT_TYPES[ext]) expect(asset.headers.get('content-type'), ref).toMatch(CONTENT_TYPES[ext]!);
        expect((await asset.arrayBuffer()).byteLength, ref).toBeGreaterThan(0);
      }
    });
  }

  test('its policy lets the browser load scripts, styles, images and data from the host only', async () => {
    for (const path of ['/docs', '/docs/static/swagger-ui-bundle.js']) {
      const csp = (await fetch(`${host.url}${path}`)).headers.get('content-security-policy') ?? '';
      for (const directive of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:"]) expect(csp, path).toContain(directive);
      expect(csp, path).not.toMatch(/https?:|\*/);
    }
  });

  test('it reads /openapi.json, with no outside validator', async () => {
    const html = await (await fetch(`${host.url}/docs`)).text();
    const initializer = references(html).find((r) => r.endsWith('swagger-initializer.js'))!;
    const script = await (await fetch(new URL(initializer, `${host.url}/docs`))).text();
    expect(script).toContain('"urls":[{"url":"/openapi.json"');
    expect(script).toContain('validatorUrl: null');
  });

  test('its assets are served as files: a missing one is a 404 in the API’s error shape', async () => {
    const res = await host.call('GET', '/docs/static/no-such-file.js', { key: null });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ROUTE_NOT_FOUND');
  });

  test('needs no key, and ignores one', async () => {
    expect((await fetch(`${host.url}/docs/`)).status).toBe(200);
    expect((await fetch(`${host.url}/docs/`, { headers: { authorization: 'Bearer not-a-key' } })).status).toBe(200);
  });
});

describe('/', () => {
  test('points at the reference, the document, the console and the health checks', async () => {
    const res = await host.call('GET', '/', { key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: 'Easel', version: expect.any(String), docs: '/docs', openapi: '/openapi.json', console: '/console', health: '/healthz', ready: '/readyz' });
    for (const link of [res.body.docs, res.body.openapi, res.body.health]) expect((await fetch(`${host.url}${link}`)).status, link).toBe(200);
  });
});
