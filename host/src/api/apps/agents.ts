/** Agents (apps): what enabled plugins offer, running a capability, reading an execution back. */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { requireRole } from '../../auth/index.ts';
import { EaselError } from '../../errors/index.ts';
import type { ExecutionService } from '../../orchestration/index.ts';
import type { PluginService } from '../../plugins/index.ts';
import type { ApiKeyRepository } from '../../store/index.ts';
import { EXECUTION_FAILURES } from '../openapi/errors.ts';
import { json, routeSchema } from '../openapi/route-schema.ts';
import { anyJson, list, object, text } from '../openapi/shapes/common.ts';
import { callResult } from '../openapi/shapes/executions.ts';
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

/** The `x-easel-user` header, as documentation: the route checks it itself (USER_ID_INVALID). */
export const userHeader = {
  type: 'object',
  properties: { 'x-easel-user': { ...userId, description: 'the app’s end user the call is for (budgets and usage are per user of the app); without it, the key itself (`key:<apiKeyId>`). Not starting with `key:`.' } },
} as const;

const agentList = object(
  {
    agents: list(
      object(
        {
          plugin: text,
          version: text,
          agent: text,
          description: text,
          capabilities: list(
            object(
              { name: text, description: text, input: anyJson('its input JSON Schema'), output: anyJson('its output JSON Schema'), path: { ...text, description: 'where to call it' } },
              ['name', 'description', 'input', 'output', 'path'],
            ),
          ),
        },
        ['plugin', 'version', 'agent', 'description', 'capabilities'],
      ),
    ),
  },
  ['agents'],
);

export const agentRoutes: FastifyPluginAsync<AgentRoutesOptions> = async (app, { plugins, executions, keys, inputBodyMaxBytes }) => {
  app.addHook('onRequest', requireRole(keys, 'app'));

  const listed = routeSchema({ tag: 'agents', summary: 'List the agents of enabled plugins', audience: 'app', ok: { 200: json('the agents, with their capabilities’ schemas', agentList) } });
  app.get('/v1/agents', { schema: listed }, async () => {
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
    {
      bodyLimit: inputBodyMaxBytes,
      config: { pluginInput: true },
      schema: routeSchema({
        tag: 'agents',
        summary: 'Call an agent capability',
        description: 'The body is the input (JSON, at most EASEL_INPUT_BODY_MAX_BYTES), validated against the capability’s input schema; byte fields as base64 or data: URLs. The call is an execution: it takes a slot (or waits in the queue), and the request waits for its end; hanging up cancels it. A failed execution answers its error with `details.executionId`.',
        audience: 'app',
        params: { type: 'object', required: ['plugin', 'agent', 'capability'], properties: { plugin: pluginName, agent: kebab, capability: kebab } },
        docHeaders: userHeader,
        docBody: { content: { 'application/json': { schema: anyJson('the input, as the capability’s input schema says') } } },
        ok: { 200: json('the call’s result', callResult()) },
        errors: [...EXECUTION_FAILURES, 'AGENT_NOT_FOUND'],
      }),
    },
    async (req, reply) => {
      const { plugin, agent, capability } = req.params;
      const result = await executions.runAgent({ plugin, agent, capability, input: req.body ?? {}, apiKeyId: req.principal?.keyId, appId: req.principal?.appId, userId: userOf(req.headers), signal: hangUp(reply) });
      return { executionId: result.executionId, output: result.output, costUsd: result.costUsd, durationMs: result.durationMs, cpuMs: result.cpuMs };
    },
  );
};
