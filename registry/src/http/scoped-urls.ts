/**
 * npm sends scoped names as `@scope%2fname`; tarball URLs and people use `@scope/name`.
 * Fastify's router decodes `%2f` inside a parameter, so rewriting the unencoded form to the
 * encoded one lets one set of `/:name` routes serve both.
 */
const SCOPED = /^(\/(?:-\/package\/|api\/v1\/packages\/)?@[^/?%#]+)\/(?=[^/?#])/;

export function rewriteScopedUrl(url: string): string {
  return url.replace(SCOPED, '$1%2f');
}
