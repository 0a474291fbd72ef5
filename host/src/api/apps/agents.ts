/** Agents (apps): what enabled plugins offer, running a capability, reading an execution back. */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ExecutionService } from '../../orchestration/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { kebab, pluginName, userId } from '../schemas.ts';

export interface AgentRoutesOptions {
  plugins: PluginService;
  executions: ExecutionService;
  keys: ApiKeyRepository;
  /** Largest body of a call that runs plugin code (inputs may carry byte fields). */
  inputBodyMaxBytes: number;
}

// The header follows the same rule as the `:userId` route parameters.
const USER = new RegExp(userId.pattern, 'u');

/** The end user an app runs a call for (budgets and usage are per user of the app); absent: the key itself. */
export function userOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers['x-easel-user'];
  if (value === undefined) return undefined;
  // `key:` names the default user of an app key: an app may not spend as another key's user.
  if (typeof value !== 'string' || !USER.test(value) || [...value].length > userId.maxLength || value.startsWith('key:')) {
    throw new EaselError('USER_ID_INVALID');
  }
  return value;
}

/** Fires when the client goes away before its answer was sent: a synchronous call it started is cancelled. */
export function hangUp(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new EaselError('EXECUTION_CANCELLED', { subject: 'call' }, { reason: 'the app closed the connection before the answer' }));
  });
  return controller.signal;
}

export const agentRoutes: FastifyPluginAsync<AgentRoutesOptions> = async (app, { plugins, executions, keys, inputBodyMaxBytes }) => {
  app.addHook('onRequest', requireRole(keys, 'app'));

  app.get('/v1/agents', async () => {
    const enabled = (await plugins.list()).filter((p) => p.enabled);
    return {
      agents: enabled.flatMap((p) =>
        p.manifest.agents.map((a) => ({
          plugin: p.name,
          version: p.version,
          agent: a.type,
          description: a.description,
          capabilities: a.capabilities.map((c) => ({
            name: c.name,
            description: c.description,
            input: c.input,
            output: c.output,
            path: `/v1/agents/${p.name}/${a.type}/${c.name}`,
          })),
        })),
      ),
    };
  });

  app.post<{ Params: { plugin: string; agent: string; capability: string } }>(
    '/v1/agents/:plugin/:agent/:capability',
    { bodyLimit: inputBodyMaxBytes, config: { pluginInput: true }, schema: { params: { type: 'object', required: ['plugin', 'agent', 'capability'], properties: { plugin: pluginName, agent: kebab, capability: kebab } } } },
    async (req, reply) => {
      const { plugin, agent, capability } = req.params;
      const result = await executions.runAgent({ plugin, agent, capability, input: req.body ?? {}, apiKeyId: req.principal?.keyId, appId: req.principal?.appId, userId: userOf(req.headers), signal: hangUp(reply) });
      return { executionId: result.executionId, output: result.output, costUsd: result.costUsd, durationMs: result.durationMs, cpuMs: result.cpuMs };
    },
  );
};
