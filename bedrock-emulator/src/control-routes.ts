/**
 * The emulator's own control plane (reference §4.10), on the same h2c port under
 * `/__emulator/`: scripted faults, per-model quotas, the call log and a reset. Errors use
 * Fastify's shape `{ statusCode, code, error, message }`, with ajv `details`.
 */
import { timingSafeEqual } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { EXCEPTIONS } from './errors.ts';
import { resetState, type EmulatorState } from './state.ts';
import type { FaultRule } from './types.ts';

const ajv = new Ajv2020({ allErrors: true });

const validateFault = ajv.compile({
  type: 'object',
  additionalProperties: false,
  required: ['modelId'],
  properties: {
    modelId: { type: 'string', minLength: 1 },
    count: { type: ['integer', 'null'], minimum: 1 },
    exception: { enum: Object.keys(EXCEPTIONS) },
    message: { type: 'string' },
    latencyMs: { type: 'number', minimum: 0, maximum: 600_000 },
    breakAfterDeltas: { type: 'integer', minimum: 0 },
    breakMode: { enum: ['exception', 'reset'] },
    stopReason: { type: 'string', minLength: 1 },
  },
  anyOf: ['exception', 'latencyMs', 'breakAfterDeltas', 'stopReason'].map((name) => ({ required: [name] })),
  dependentRequired: { breakMode: ['breakAfterDeltas'] },
});

const validateQuota = ajv.compile({
  type: 'object',
  additionalProperties: false,
  required: ['modelId', 'rpm', 'tpm'],
  properties: {
    modelId: { type: 'string', minLength: 1 },
    rpm: { type: 'number', exclusiveMinimum: 0 },
    tpm: { type: 'number', exclusiveMinimum: 0 },
  },
});

function refuse(reply: FastifyReply, code: string, message: string, details?: unknown): FastifyReply {
  return reply.code(400).send({ statusCode: 400, code, error: 'Bad Request', message, details });
}

/** Parses and validates a JSON body; answers 400 itself and returns undefined when it is bad. */
function readBody<T>(raw: unknown, validate: ValidateFunction, reply: FastifyReply): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw ?? ''));
  } catch {
    refuse(reply, 'EMULATOR_INVALID_JSON', 'The body must be JSON.');
    return undefined;
  }
  if (!validate(value)) {
    const details = (validate.errors ?? []).map((e) => ({ path: e.instancePath || '/', message: e.message }));
    refuse(reply, 'EMULATOR_INVALID_RULE', 'The body does not match the schema.', details);
    return undefined;
  }
  return value as T;
}

/** Fastify plugin: the `/__emulator/*` routes. */
export async function controlRoutes(app: FastifyInstance, opts: { state: EmulatorState; token?: string }): Promise<void> {
  const { state, token } = opts;
  if (token !== undefined) {
    const expected = Buffer.from(token);
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/__emulator/')) return;
      const given = Buffer.from(String(request.headers['x-emulator-token'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return reply.code(401).send({ statusCode: 401, code: 'EMULATOR_TOKEN_REQUIRED', error: 'Unauthorized', message: 'send the control token as x-emulator-token' });
      }
    });
  }

  app.post('/__emulator/faults', async (request, reply) => {
    const rule = readBody<FaultRule>(request.body, validateFault, reply);
    if (!rule) return reply;
    state.faults.add(rule);
    return reply.code(204).send();
  });

  app.post('/__emulator/quotas', async (request, reply) => {
    const quota = readBody<{ modelId: string; rpm: number; tpm: number }>(request.body, validateQuota, reply);
    if (!quota) return reply;
    state.quotas.set(quota.modelId, { rpm: quota.rpm, tpm: quota.tpm }, Date.now());
    return reply.code(204).send();
  });

  app.get('/__emulator/calls', async () => ({ calls: state.calls.list() }));

  app.post('/__emulator/reset', async (_request, reply) => {
    resetState(state);
    return reply.code(204).send();
  });
}
