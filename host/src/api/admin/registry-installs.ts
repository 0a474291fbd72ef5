/** Installs from registries (admin): the catalog, install with dependencies, upgrade. */
import type { FastifyPluginAsync } from 'fastify';
import type { Permissions } from '@easel/sdk';
import { requireRole } from '../../auth/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { RegistryClient, RegistryInstaller } from '../../registries/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { available, installOutcome, upgradeOutcome } from '../openapi/shapes/plugins.ts';
import { permissions, pluginName } from '../schemas.ts';

export interface RegistryRoutesOptions {
  installer: RegistryInstaller;
  client: RegistryClient;
  plugins: PluginService;
  keys: ApiKeyRepository;
}

const grantSchema = { anyOf: [{ const: 'requested' }, permissions] } as const;
const range = { type: 'string', minLength: 1, maxLength: 256 } as const;
type Grant = Permissions | 'requested';
const tag = 'registries';
/** What a resolve and install can refuse with; `details` explain a resolve's refusal. */
const INSTALL_ERRORS = ['REGISTRY_UNAVAILABLE', 'PACKAGE_NOT_FOUND', 'RESOLVE_CONFLICT', 'RESOLVE_CYCLE', 'TARBALL_REFUSED', 'INTEGRITY_MISMATCH', 'SIGNATURE_INVALID', 'BUNDLE_INVALID', 'BUNDLE_TOO_LARGE', 'MANIFEST_INVALID', 'ENGINE_INCOMPATIBLE', 'PLUGIN_LOAD_FAILED', 'SANDBOX_UNAVAILABLE'] as const;

export const registryRoutes: FastifyPluginAsync<RegistryRoutesOptions> = async (app, { installer, client, plugins, keys }) => {
  app.addHook('onRequest', requireRole(keys, 'admin'));
  const actor = (req: { principal?: { keyId: string } }) => `key:${req.principal?.keyId ?? 'unknown'}`;

  /** Enables, dependencies first, the plugins the admin granted something to. */
  async function enableGranted(order: string[], grants: Record<string, Grant>, who: string): Promise<string[]> {
    const enabled: string[] = [];
    for (const name of order) {
      const grant = grants[name];
      if (grant === undefined) continue;
      const plugin = await plugins.get(name);
      await plugins.enable(name, grant === 'requested' ? (plugin.manifest.permissions ?? {}) : grant, who);
      enabled.push(name);
    }
    return enabled;
  }

  const catalog = routeSchema({ tag, summary: 'List the plugins the registries offer', description: 'Every plugin of the configured registries, with its versions and whether each runs on this host.', audience: 'admin', ok: { 200: json('the catalog', available) }, errors: ['REGISTRY_UNAVAILABLE'] });
  app.get('/v1/plugins/available', { schema: catalog }, async () => ({ plugins: await installer.available(await client.search()) }));

  app.post<{ Body: { name: string; range?: string; grant?: Grant; dependencyGrants?: Record<string, Grant>; includePrerelease?: boolean } }>(
    '/v1/plugins/install',
    {
      schema: routeSchema({
        tag,
        summary: 'Install a plugin with its dependencies',
        description: 'Resolves the installed set plus the request (one version per plugin, the highest that fits every range and this host), downloads and verifies each version that changes, and records the set in one transaction. Only the plugins granted something (`grant`, `dependencyGrants`) are enabled, dependencies first.',
        audience: 'admin',
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: pluginName,
            range,
            grant: grantSchema,
            dependencyGrants: { type: 'object', propertyNames: pluginName, additionalProperties: grantSchema },
            includePrerelease: { type: 'boolean' },
          },
        },
        ok: { 201: json('installed', installOutcome) },
        errors: [...INSTALL_ERRORS, 'PLUGIN_NOT_FOUND', 'GRANT_INVALID', 'DEPENDENCY_DISABLED', 'PLUGIN_CONFIG_INVALID', 'PLUGIN_MODIFIED'],
      }),
    },
    async (req, reply) => {
      const { name, range: wanted = '*', grant, dependencyGrants = {}, includePrerelease = false } = req.body;
      const outcome = await installer.install([{ name, range: wanted }], includePrerelease, actor(req));
      // Secure default: only what the admin granted is enabled; the rest stays installed, disabled.
      const grants: Record<string, Grant> = { ...dependencyGrants, ...(grant === undefined ? {} : { [name]: grant }) };
      const enabled = await enableGranted(outcome.order, grants, actor(req));
      return reply.status(201).send({ ...outcome, enabled });
    },
  );

  app.post<{ Params: { name: string }; Body: { range?: string; includePrerelease?: boolean } | undefined }>(
    '/v1/plugins/:name/upgrade',
    {
      schema: routeSchema({
        tag,
        summary: 'Upgrade an installed plugin',
        description: 'Resolves and installs as an install does, to the highest version in `range` (default `*`); its enabled flag, config and grant are kept.',
        audience: 'admin',
        params: { type: 'object', required: ['name'], properties: { name: pluginName } },
        body: { type: ['object', 'null'], additionalProperties: false, properties: { range, includePrerelease: { type: 'boolean' } } },
        ok: { 200: json('installed', upgradeOutcome) },
        errors: [...INSTALL_ERRORS, 'PLUGIN_NOT_FOUND'],
      }),
    },
    async (req) => {
      await plugins.get(req.params.name);
      return installer.install([{ name: req.params.name, range: req.body?.range ?? '*' }], req.body?.includePrerelease ?? false, actor(req));
    },
  );
};
