/**
 * The fixed parts of the OpenAPI document (@fastify/swagger makes the paths from the route
 * schemas): its info, the areas of the API as tags, the bearer key scheme, and how a Fastify
 * route becomes an OpenAPI path.
 */
import type { FastifySchema } from 'fastify';
import { HOST_API_VERSION } from '../../plugins/host-api.ts';

export const TAGS = [
  { name: 'plugins', description: 'Installed plugins: upload, enable with a grant, disable, configure, uninstall, logs (admin)' },
  { name: 'registries', description: 'Installing and upgrading plugins from npm-protocol registries (admin)' },
  { name: 'apps', description: 'Apps (tenants) and their API keys (admin)' },
  { name: 'budgets', description: 'Monthly model budgets per app and per user of an app' },
  { name: 'agents', description: "Enabled plugins' agents, and calling their capabilities (app)" },
  { name: 'workflows', description: "Enabled plugins' workflows: start, preview (app)" },
  { name: 'executions', description: 'Agent calls and workflow runs: status, history, cancel, event streams' },
  { name: 'plugin routes', description: 'HTTP routes plugins declare in their manifests, below /v1/p/<plugin> (app)' },
  { name: 'blobs', description: 'Objects plugins stored, by signed URL or with a key' },
  { name: 'models', description: 'The model catalog, routing decisions, cost estimates, usage and health (no model is called)' },
  { name: 'retention', description: 'Purging old records (admin)' },
  { name: 'monitoring', description: 'Prometheus metrics, liveness and readiness' },
  { name: 'docs', description: 'This document and where to find things' },
] as const;

export type Tag = (typeof TAGS)[number]['name'];

const DESCRIPTION = [
  'Easel is a sandboxed plugin host for AI agents. Admins install plugins and manage apps and keys; apps run agents and workflows.',
  '',
  'Every route but the public ones needs `Authorization: Bearer <key>`: an **admin** key or an **app** key (the roles do not overlap; `x-easel-audience` on each operation says which it takes).',
  'Errors answer `{statusCode, code, error, message, details?}` with a stable code (docs/reference/errors.md); each operation lists the codes it may answer by status.',
  'Any request may also be refused before it reaches a route: `REQUEST_MALFORMED` (400), `HEADERS_TOO_LARGE` (431), `REQUEST_TIMEOUT` (408), `EXPECTATION_FAILED` (417), `ROUTE_NOT_FOUND` (404).',
  '',
  "Read with a key, this document also describes the enabled plugins: each agent capability, workflow and plugin route with its manifest's input and output schemas.",
].join('\n');

/** The `openapi` option of @fastify/swagger. */
export const openApiBase = {
  openapi: '3.1.0' as const,
  info: { title: 'Easel host API', version: HOST_API_VERSION, description: DESCRIPTION, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
  tags: TAGS.map((t) => ({ ...t })),
  components: {
    securitySchemes: {
      bearerAuth: { type: 'http' as const, scheme: 'bearer', description: 'An admin key or an app key: `POST /v1/keys` makes one (shown once); the first admin key is EASEL_ADMIN_TOKEN or <data>/admin.key.' },
    },
  },
};

/** The OpenAPI path of a Fastify route URL: `:name` → `{name}`, the wildcard `*` → `{path}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}');
}

type SwaggerSchema = Record<string, unknown> & { params?: { properties?: Record<string, unknown>; required?: string[] }; headers?: Record<string, unknown> };

/**
 * @fastify/swagger's per-route transform: the path as OpenAPI writes it, the wildcard
 * parameter named `path`, and the parts routeSchema() marks as documented only (`docHeaders`,
 * `docBody`) put where the document wants them; Fastify never validates those.
 */
export function transformRoute({ schema, url }: { schema?: FastifySchema; url: string }): { schema: FastifySchema; url: string } {
  if (!schema) return { schema: {}, url: openApiPath(url) };
  const { docHeaders, docBody, ...rest } = schema as SwaggerSchema & { docHeaders?: Record<string, unknown>; docBody?: Record<string, unknown> };
  const out: SwaggerSchema = { ...rest };
  if (docHeaders) out.headers = docHeaders;
  if (docBody) out.body = docBody;
  const wildcard = rest.params?.properties?.['*'];
  if (rest.params && wildcard) {
    const { '*': _star, ...others } = rest.params.properties ?? {};
    out.params = {
      ...rest.params,
      properties: { ...others, path: { ...(wildcard as object), description: 'the rest of the path: the route’s own path, as its manifest declares it (may hold /)' } },
      required: [...(rest.params.required ?? []), 'path'],
    };
  }
  return { schema: out, url: openApiPath(url) };
}
