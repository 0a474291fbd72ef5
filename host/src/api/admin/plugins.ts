/** Plugins (admin): upload, list, inspect, enable with a grant, disable, configure, uninstall. */
import type { FastifyPluginAsync } from 'fastify';
import type { Permissions } from '@easel/sdk';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyRepository, InstalledPlugin } from '../../store/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { QuarantineView } from '../../plugins/quarantine.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { dependent, nameVersion, pluginDetail, pluginGranted, pluginView as viewShape, quarantine } from '../openapi/shapes/plugins.ts';
import { list, object, openObject, orNull, text } from '../openapi/shapes/common.ts';
import { permissions, pluginName } from '../schemas.ts';

export interface PluginRoutesOptions {
  plugins: PluginService;
  keys: ApiKeyRepository;
  bundleMaxBytes: number;
}

const BUNDLE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/tar+gzip'];
const nameParams = { type: 'object', required: ['name'], properties: { name: pluginName } } as const;
const tag = 'plugins';
const configAnswer = json('the configuration', object({ config: openObject('the configuration, matching the manifest’s config schema') }, ['config']));

/** The public view of an installed plugin; `quarantine` is null while it may run. */
export function pluginView(p: InstalledPlugin, withManifest = false, quarantine: QuarantineView | null = null) {
  return {
    name: p.name,
    version: p.version,
    description: p.manifest.description,
    enabled: p.enabled,
    integrity: p.integrity,
    permissions: p.manifest.permissions ?? {},
    agents: p.manifest.agents.map((a) => ({ type: a.type, capabilities: a.capabilities.map((c) => c.name) })),
    workflows: (p.manifest.workflows ?? []).map((w) => w.type),
    installedAt: p.installedAt,
    updatedAt: p.updatedAt,
    quarantine,
    ...(withManifest ? { manifest: p.manifest } : {}),
  };
}

export const pluginRoutes: FastifyPluginAsync<PluginRoutesOptions> = async (app, { plugins, keys, bundleMaxBytes }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));
  app.addContentTypeParser(BUNDLE_TYPES, { parseAs: 'buffer', bodyLimit: bundleMaxBytes }, (_req, body, done) => done(null, body));
  const actor = (req: { principal?: { keyId: string } }) => `key:${req.principal?.keyId ?? 'unknown'}`;
  const view = (p: InstalledPlugin, withManifest = false) => pluginView(p, withManifest, plugins.quarantineOf(p));

  const upload = routeSchema({
    tag,
    summary: 'Upload a plugin bundle',
    description: 'Installs a bundle tarball, or replaces the installed plugin of that name atomically (keeping its enabled flag, config and grant, the grant cut down to what the new version requests).',
    audience: 'admin',
    docBody: { content: Object.fromEntries(BUNDLE_TYPES.map((type) => [type, { schema: { description: 'the bundle tarball (`easel pack`), at most EASEL_BUNDLE_MAX_BYTES' } }])) },
    ok: { 201: json('installed', object({ plugin: viewShape(), replaced: { ...orNull(text), description: 'the version it replaced, or null' } }, ['plugin', 'replaced'])) },
    errors: ['BUNDLE_INVALID', 'BUNDLE_TOO_LARGE', 'MANIFEST_INVALID', 'ENGINE_INCOMPATIBLE', 'PLUGIN_LOAD_FAILED', 'SANDBOX_UNAVAILABLE'],
  });
  app.post('/v1/plugins/upload', { bodyLimit: bundleMaxBytes, config: { tooLargeCode: 'BUNDLE_TOO_LARGE' }, schema: upload }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) {
      throw new EaselError('UNSUPPORTED_MEDIA_TYPE', {}, { accepted: BUNDLE_TYPES });
    }
    const { plugin, replaced } = await plugins.upload(req.body, actor(req));
    return reply.status(201).send({ plugin: view(plugin), replaced: replaced ?? null });
  });

  const listed = routeSchema({ tag, summary: 'List installed plugins', audience: 'admin', ok: { 200: json('installed plugins, by name', object({ plugins: list(viewShape()) }, ['plugins'])) } });
  app.get('/v1/plugins', { schema: listed }, async () => ({ plugins: (await plugins.list()).map((p) => view(p)) }));

  const detail = routeSchema({ tag, summary: 'Show an installed plugin', description: 'Its view, its manifest and what it was granted.', audience: 'admin', params: nameParams, ok: { 200: json('the plugin', pluginDetail) }, errors: ['PLUGIN_NOT_FOUND'] });
  app.get<{ Params: { name: string } }>('/v1/plugins/:name', { schema: detail }, async (req) => {
    const plugin = await plugins.get(req.params.name);
    return { ...view(plugin, true), granted: await plugins.grantOf(plugin.name) };
  });

  app.post<{ Params: { name: string }; Body: { grant?: Permissions | 'requested' } | undefined }>(
    '/v1/plugins/:name/enable',
    {
      schema: routeSchema({
        tag,
        summary: 'Enable a plugin with a grant',
        description: 'Loads the plugin and enables it with the grant: `"requested"` (what the manifest asks), a permissions object, or nothing (`{}`) to grant nothing. Its dependencies must be enabled and its config must match its schema.',
        audience: 'admin',
        params: nameParams,
        body: { type: ['object', 'null'], additionalProperties: false, properties: { grant: { anyOf: [{ const: 'requested' }, permissions] } } },
        ok: { 200: json('the plugin, enabled', pluginGranted) },
        errors: ['PLUGIN_NOT_FOUND', 'GRANT_INVALID', 'PLUGIN_MODIFIED', 'DEPENDENCY_DISABLED', 'PLUGIN_CONFIG_INVALID', 'PLUGIN_LOAD_FAILED', 'SANDBOX_UNAVAILABLE'],
      }),
    },
    async (req) => {
      const requested = req.body?.grant;
      // Secure default: nothing is granted unless the admin says so.
      const grant = requested === 'requested' ? (await plugins.get(req.params.name)).manifest.permissions ?? {} : requested ?? {};
      const plugin = await plugins.enable(req.params.name, grant, actor(req));
      return { ...view(plugin), granted: await plugins.grantOf(plugin.name) };
    },
  );

  // force=true disables a plugin other enabled plugins depend on: they keep running, and
  // their calls into it fail with DEPENDENCY_DISABLED until it is enabled again.
  app.post<{ Params: { name: string }; Querystring: { force?: boolean } }>(
    '/v1/plugins/:name/disable',
    {
      schema: routeSchema({
        tag,
        summary: 'Disable a plugin',
        description: 'New calls are refused with PLUGIN_DISABLED at once; calls in flight finish. Refused while enabled plugins depend on it, unless `force=true`.',
        audience: 'admin',
        params: nameParams,
        querystring: { type: 'object', additionalProperties: false, properties: { force: { type: 'boolean', description: 'disable it although enabled plugins depend on it' } } },
        ok: { 200: json('the plugin, disabled', viewShape({ dependentsAffected: list(dependent, 'with force: the enabled dependents, whose calls into it now fail with DEPENDENCY_DISABLED') })) },
        errors: ['PLUGIN_NOT_FOUND', 'PLUGIN_IN_USE'],
      }),
    },
    async (req) => {
      const { plugin, dependents } = await plugins.disable(req.params.name, actor(req), req.query.force === true);
      return { ...view(plugin), ...(dependents.length > 0 ? { dependentsAffected: dependents } : {}) };
    },
  );

  // Ends a quarantine now (it also lifts itself after EASEL_SANDBOX_QUARANTINE_LIFT_MS). Idempotent:
  // `lifted` is the quarantine that ended, or null when there was none. Audited as plugin.quarantine.lift.
  const lift = routeSchema({
    tag,
    summary: 'Lift a quarantine',
    description: 'Ends the plugin’s quarantine now; idempotent. Audited as plugin.quarantine.lift.',
    audience: 'admin',
    params: nameParams,
    ok: { 200: json('the plugin', viewShape({ lifted: { ...orNull(quarantine), description: 'the quarantine that ended, or null when there was none' } }, ['lifted'])) },
    errors: ['PLUGIN_NOT_FOUND'],
  });
  app.post<{ Params: { name: string } }>('/v1/plugins/:name/quarantine/lift', { schema: lift }, async (req) => {
    const { plugin, lifted } = await plugins.liftQuarantine(req.params.name, actor(req));
    return { ...view(plugin), lifted };
  });

  app.delete<{ Params: { name: string }; Querystring: { cascade?: boolean } }>(
    '/v1/plugins/:name',
    {
      schema: routeSchema({
        tag,
        summary: 'Uninstall a plugin',
        description: 'Removes it with its grant, config, kv data, blobs and cached model answers; calls in flight finish. Refused while installed plugins depend on it, unless `cascade=true`.',
        audience: 'admin',
        params: nameParams,
        querystring: { type: 'object', additionalProperties: false, properties: { cascade: { type: 'boolean', description: 'also remove its dependents' } } },
        ok: { 200: json('what was removed', object({ removed: nameVersion, alsoRemoved: list(nameVersion, 'its dependents, with cascade') }, ['removed', 'alsoRemoved'])) },
        errors: ['PLUGIN_NOT_FOUND', 'PLUGIN_IN_USE'],
      }),
    },
    async (req) => {
      const removed = await plugins.uninstall(req.params.name, actor(req), req.query.cascade === true);
      const named = removed.map((p) => ({ name: p.name, version: p.version }));
      // `removed` is the plugin asked for; `alsoRemoved` its dependents when cascading.
      return { removed: named.at(-1), alsoRemoved: named.slice(0, -1) };
    },
  );

  const getConfig = routeSchema({ tag, summary: 'Read a plugin’s configuration', audience: 'admin', params: nameParams, ok: { 200: configAnswer }, errors: ['PLUGIN_NOT_FOUND'] });
  app.get<{ Params: { name: string } }>('/v1/plugins/:name/config', { schema: getConfig }, async (req) => ({
    config: await plugins.getConfig(req.params.name),
  }));

  app.put<{ Params: { name: string }; Body: { config: Record<string, unknown> } }>(
    '/v1/plugins/:name/config',
    {
      schema: routeSchema({
        tag,
        summary: 'Set a plugin’s configuration',
        description: 'Validated against the manifest’s config schema; calls in flight keep the config they started with.',
        audience: 'admin',
        params: nameParams,
        body: { type: 'object', required: ['config'], additionalProperties: false, properties: { config: { type: 'object' } } },
        ok: { 200: configAnswer },
        errors: ['PLUGIN_NOT_FOUND', 'PLUGIN_CONFIG_INVALID'],
      }),
    },
    async (req) => ({ config: await plugins.setConfig(req.params.name, req.body.config, actor(req)) }),
  );
};
