/**
 * The web console (console/, built by Vite into console/dist) at /console: its hashed assets
 * under /console/assets/, and its page for every other /console path (the console routes in
 * the browser). The host starts without a build; /console then says how to make one.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

export const CONSOLE_DIST = resolve(import.meta.dirname, '../../../console/dist');

export interface ConsoleRoutesOptions {
  /** The built console (index.html and assets/); CONSOLE_DIST unless a test says otherwise. */
  root?: string;
}

/**
 * The pages talk to this host only; the README of a marketplace plugin is rendered as text, and
 * this header keeps any markup that slipped through from running or reaching elsewhere.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Easel console: not built</title><link rel="icon" href="data:,"></head>
<body><h1>The Easel console is not built</h1>
<p>This host serves the web console from <code>console/dist</code>, which does not exist yet. Build it with</p>
<pre>./run npm run build -w console</pre>
<p>(<code>./run start</code> and <code>./run test</code> build it when its sources changed), then reload this page.</p>
</body></html>
`;

export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, options) => {
  const root = options.root ?? CONSOLE_DIST;
  const built = () => existsSync(join(root, 'index.html'));
  await app.register(fastifyStatic, { root, serve: false, suppressWarning: true, dotfiles: 'deny', index: false });
  app.addHook('onSend', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  const page = async (_req: unknown, reply: FastifyReply) => {
    if (!built()) return reply.status(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);
    // The page names its hashed assets: it is asked again each time, they are kept.
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };
  // Pages and files, not API operations: left out of /openapi.json.
  const schema = { hide: true };
  app.get('/console', { schema }, async (_req, reply) => reply.redirect('/console/', 302));
  app.get('/console/', { schema }, page);
  app.get<{ Params: { '*': string } }>('/console/assets/*', { schema }, async (req, reply) =>
    reply.sendFile(`assets/${req.params['*']}`, { maxAge: '365d', immutable: true }),
  );
  app.get('/console/*', { schema }, page);
};
