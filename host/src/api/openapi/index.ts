/**
 * The API described: `GET /openapi.json` (OpenAPI 3.1, made by @fastify/swagger from the
 * route schemas), the interactive reference at `/docs` (@fastify/swagger-ui, its assets
 * served from the host: nothing from a CDN), and `GET /` pointing at both.
 *
 * Who may read it: anyone, as /healthz. The host's own routes are the same on every Easel
 * and documented in its repository, so they are no secret. The plugins this host runs are
 * (GET /v1/plugins is for admins, /metrics too): the enabled plugins' agents, workflows and
 * routes are folded in only for a request with a valid key, admin or app — an app key sees
 * them already on GET /v1/agents and /v1/workflows. The plugin part is made per request from
 * the installed set, so it is current the moment an install, enable or disable answers.
 *
 * Call installOpenApi() before any route is registered: @fastify/swagger lists the routes
 * as they are added.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../auth/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import { HOST_API_VERSION } from '../../plugins/host-api.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { openApiBase, transformRoute } from './document.ts';
import { type OpenApiDocument, withPlugins } from './plugin-paths.ts';
import { json, routeSchema } from './route-schema.ts';
import { object, openObject, text } from './shapes/common.ts';

export { openApiPath, TAGS } from './document.ts';
export { routeSchema, json, empty, type Audience } from './route-schema.ts';

export interface OpenApiOptions {
  plugins: Pick<PluginService, 'list'>;
  keys: ApiKeyRepository;
}

/** Where the reference page lives. */
export const DOCS_PREFIX = '/docs';

/**
 * The page's own policy: everything from the host itself. Swagger UI styles its elements
 * inline; its validator badge (an outside service) is off.
 */
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

/** The top bar's mark, in place of the framework's. */
const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><text x="0" y="29" font-family="sans-serif" font-size="28" font-weight="700" fill="#ffffff">Easel</text></svg>';

/**
 * Sends the key the reader authorized with (Swagger UI keeps it in localStorage with
 * persistAuthorization) with the document's own request too, so that after "Authorize" and a
 * reload the page shows the enabled plugins' operations. Runs in the browser.
 */
function sendAuthorizedKey(request: { [prop: string]: any }) {
  try {
    const stored = JSON.parse(window.localStorage.getItem('authorized') ?? '{}') as { bearerAuth?: { value?: string } };
    const key = stored.bearerAuth?.value;
    if (key && /\/openapi\.json$/.test(String(request.url).split('?')[0] ?? '') && !request.headers.Authorization) request.headers.Authorization = `Bearer ${key}`;
  } catch {
    // Nothing stored, or not readable: the document without plugins.
  }
  return request;
}
declare const window: { localStorage: { getItem(key: string): string | null } };

/** A route as registered, with its schema: what the OpenAPI document was made from. */
export interface SchemaRoute {
  method: string | string[];
  url: string;
  schema?: Record<string, unknown>;
}

const schemaRoutes = new WeakMap<FastifyInstance, SchemaRoute[]>();

/** Every route registered after installOpenApi, with its schema (the test that every route has a response schema walks them). */
export function routesWithSchemas(app: FastifyInstance): readonly SchemaRoute[] {
  return schemaRoutes.get(app) ?? [];
}

export async function installOpenApi(app: FastifyInstance, { plugins, keys }: OpenApiOptions): Promise<void> {
  const seen: SchemaRoute[] = [];
  schemaRoutes.set(app, seen);
  app.addHook('onRoute', (route) => {
    seen.push({ method: route.method, url: route.url, ...(route.schema ? { schema: route.schema as Record<string, unknown> } : {}) });
  });
  await app.register(swagger, { openapi: openApiBase, transform: transformRoute });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: DOCS_CSP,
    logo: { type: 'image/svg+xml', content: Buffer.from(LOGO) },
    theme: { title: 'Easel host API' },
    uiHooks: {
      // Its redirect from static/index.html keeps the query and so, with one, sends the browser back to itself.
      onRequest: async (req, reply) => {
        if (req.routeOptions.url === `${DOCS_PREFIX}/static/index.html`) return reply.redirect(`${DOCS_PREFIX}/`);
      },
    },
    uiConfig: {
      urls: [{ url: '/openapi.json', name: 'Easel host API' }],
      persistAuthorization: true,
      deepLinking: true,
      requestInterceptor: sendAuthorizedKey,
    },
  });

  app.get(
    '/openapi.json',
    {
      schema: {
        ...routeSchema({
          tag: 'docs',
          summary: 'This OpenAPI document',
          description: 'OpenAPI 3.1. Without a key: the host’s own routes. With a valid key (admin or app): also every enabled plugin’s agent capabilities, workflows and routes, with their manifests’ input and output schemas.',
          audience: 'public',
          ok: { 200: json('the document', openObject('an OpenAPI 3.1 document')) },
          errors: ['AUTH_REQUIRED', 'AUTH_INVALID'],
        }),
        security: [{}, { bearerAuth: [] }],
      },
    },
    async (req) => {
      const base = app.swagger() as unknown as OpenApiDocument;
      // A header sent is checked (a wrong key is told so, not silently given less).
      if (req.headers.authorization === undefined) return base;
      await principalOf(keys, req);
      return withPlugins(base, await plugins.list());
    },
  );

  app.get(
    '/',
    {
      schema: routeSchema({
        tag: 'docs',
        summary: 'Where things are',
        audience: 'public',
        ok: {
          200: json(
            'links to the reference, the document, the console and the health checks',
            object({ name: text, version: { ...text, description: 'the host API version plugins declare in engines.easel' }, docs: text, openapi: text, console: text, health: text, ready: text }, ['name', 'version', 'docs', 'openapi', 'console', 'health', 'ready']),
          ),
        },
      }),
    },
    async () => ({ name: 'Easel', version: HOST_API_VERSION, docs: DOCS_PREFIX, openapi: '/openapi.json', console: '/console', health: '/healthz', ready: '/readyz' }),
  );
}
