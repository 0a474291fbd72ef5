/** Plugins (admin): upload, list, inspect, enable with a grant, disable, configure, uninstall. */
import type { FastifyPluginAsync } from 'fastify';
import type { Permissions } from '@easel/sdk';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ApiKeyRepository, InstalledPlugin } from '../../store/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { QuarantineView } from '../../plugins/quarantine.ts';
import { permissions, pluginName } from '../schemas.ts';

export interface PluginRoutesOptions {
  plugins: PluginService;
  keys: ApiKeyRepository;
  bundleMaxBytes: number;
}

const BUNDLE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream', 'application/tar+gzip'];
const nameParams = { type: 'object', required: ['name'], properties: { name: pluginName } } as const;

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

  app.post('/v1/plugins/upload', { bodyLimit: bundleMaxBytes, config: { tooLargeCode: 'BUNDLE_TOO_LARGE' } }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) {
      throw new EaselError('UNSUPPORTED_MEDIA_TYPE', {}, { accepted: BUNDLE_TYPES });
    }
    const { plugin, replaced } = await plugins.upload(req.body, actor(req));
    return reply.status(201).send({ plugin: view(plugin), replaced: replaced ?? null });
  });

  app.get('/v1/plugins', async () => ({ plugins: (await plugins.list()).map((p) => view(p)) }));

  app.get<{ Params: { name: string } }>('/v1/plugins/:name', { schema: { params: nameParams } }, async (req) => {
    const plugin = await plugins.get(req.params.name);
    return { ...view(plugin, true), granted: await plugins.grantOf(plugin.name) };
  });

  app.post<{ Params: { name: string }; Body: { grant?: Permissions | 'requested' } | undefined }>(
    '/v1/plugins/:name/enable',
    {
      schema: {
        params: nameParams,
        body: { type: ['object', 'null'], additionalProperties: false, properties: { grant: { anyOf: [{ const: 'requested' }, permissions] } } },
      },
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
    { schema: { params: nameParams, querystring: { type: 'object', additionalProperties: false, properties: { force: { type: 'boolean' } } } } },
    async (req) => {
      const { plugin, dependents } = await plugins.disable(req.params.name, actor(req), req.query.force === true);
      return { ...view(plugin), ...(dependents.length > 0 ? { dependentsAffected: dependents } : {}) };
    },
  );

  // Ends a quarantine now (it also lifts itself after EASEL_SANDBOX_QUARANTINE_LIFT_MS). Idempotent:
  // `lifted` is the quarantine that ended, or null when there was none. Audited as plugin.quarantine.lift.
  app.post<{ Params: { name: string } }>('/v1/plugins/:name/quarantine/lift', { schema: { params: nameParams } }, async (req) => {
    const { plugin, lifted } = await plugins.liftQuarantine(req.params.name, actor(req));
    return { ...view(plugin), lifted };
  });

  app.delete<{ Params: { name: string }; Querystring: { cascade?: boolean } }>(
    '/v1/plugins/:name',
    { schema: { params: nameParams, querystring: { type: 'object', additionalProperties: false, properties: { cascade: { type: 'boolean' } } } } },
    async (req) => {
      const removed = await plugins.uninstall(req.params.name, actor(req), req.query.cascade === true);
      const named = removed.map((p) => ({ name: p.name, version: p.version }));
      // `removed` is the plugin asked for; `alsoRemoved` its dependents when cascading.
      return { removed: named.at(-1), alsoRemoved: named.slice(0, -1) };
    },
  );

  app.get<{ Params: { name: string } }>('/v1/plugins/:name/config', { schema: { params: nameParams } }, async (req) => ({
    config: await plugins.getConfig(req.params.name),
  }));

  app.put<{ Params: { name: string }; Body: { config: Record<string, unknown> } }>(
    '/v1/plugins/:name/config',
    { schema: { params: nameParams, body: { type: 'object', required: ['config'], additionalProperties: false, properties: { config: { type: 'object' } } } } },
    async (req) => ({ config: await plugins.setConfig(req.params.name, req.body.config, actor(req)) }),
  );
};
