/**
 * The marketplace page: `/-/marketplace/` (and its script and style), for people choosing a
 * plugin and for authors; `/` leads there. The page is static and reads the marketplace API.
 * Its Content-Security-Policy allows nothing but this origin's script, style and API: even a
 * README that got past the page's renderer could not run a script or load from elsewhere.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { RouteContext } from '../routes/context.ts';
import { errorResponses, security } from '../routes/schemas/common.ts';
import { marketplaceFiles } from './build-page.ts';

export const MARKETPLACE_PREFIX = '/-/marketplace';

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const redirect = (summary: string) => ({
  tags: ['pages'],
  summary,
  security: security.none,
  response: { 302: { type: 'null', description: 'To the marketplace page (a relative `Location`)' }, ...errorResponses },
});

const file = (summary: string, type: string) => ({
  tags: ['pages'],
  summary,
  security: security.none,
  response: { 200: { description: summary, content: { [type]: { schema: { type: 'string' } } } }, ...errorResponses },
});

async function send(reply: FastifyReply, name: string) {
  const found = (await marketplaceFiles()).get(name)!;
  void reply.type(found.type).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
  if (name === 'index.html') void reply.header('content-security-policy', CSP);
  return reply.send(found.body);
}

export const marketplacePageRoutes: FastifyPluginAsync<RouteContext> = async (app) => {
  // Relative redirects: they hold when the registry is served under a path prefix.
  app.get('/', { schema: { ...redirect('The registry’s front page: the marketplace'), operationId: 'home' } }, (_request, reply) => reply.redirect(`.${MARKETPLACE_PREFIX}/`));
  app.get(MARKETPLACE_PREFIX, { schema: { ...redirect('The marketplace page'), operationId: 'marketplaceNoSlash' } }, (_request, reply) => reply.redirect('marketplace/'));
  app.get(`${MARKETPLACE_PREFIX}/`, { schema: { ...file('The marketplace page: search plugins, a plugin’s page', 'text/html'), operationId: 'marketplacePage' } }, (_request, reply) => send(reply, 'index.html'));
  app.get(`${MARKETPLACE_PREFIX}/app.js`, { schema: { ...file('The page’s script', 'text/javascript'), operationId: 'marketplaceScript' } }, (_request, reply) => send(reply, 'app.js'));
  app.get(`${MARKETPLACE_PREFIX}/app.css`, { schema: { ...file('The page’s style', 'text/css'), operationId: 'marketplaceStyle' } }, (_request, reply) => send(reply, 'app.css'));
};
