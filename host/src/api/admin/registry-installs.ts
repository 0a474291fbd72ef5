/** Installs from registries (admin): the catalog, install with dependencies, upgrade. */
import type { FastifyPluginAsync } from 'fastify';
import type { Permissions } from '@easel/sdk';
import { requireRole } from '../../auth/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { RegistryClient, RegistryInstaller } from '../../registries/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
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

  app.get('/v1/plugins/available', async () => ({ plugins: await installer.available(await client.search()) }));

  app.post<{ Body: { name: string; range?: string; grant?: Grant; dependencyGrants?: Record<string, Grant>; includePrerelease?: boolean } }>(
    '/v1/plugins/install',
    {
      schema: {
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
      },
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
      schema: {
        params: { type: 'object', required: ['name'], properties: { name: pluginName } },
        body: { type: ['object', 'null'], additionalProperties: false, properties: { range, includePrerelease: { type: 'boolean' } } },
      },
    },
    async (req) => {
      await plugins.get(req.params.name);
      return installer.install([{ name: req.params.name, range: req.body?.range ?? '*' }], req.body?.includePrerelease ?? false, actor(req));
    },
  );
};
