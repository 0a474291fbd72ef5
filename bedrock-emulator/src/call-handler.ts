/**
 * The frame every model route runs in: log the call at arrival, resolve the model id, check
 * the op suits the model's family, parse the JSON body, run the op, and turn a thrown
 * BedrockError into the AWS error response (recording its status in the call log).
 */
import { constants, type Http2ServerResponse } from 'node:http2';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BedrockError, invalid, sendBedrockError } from './errors.ts';
import { resolveModel, type ModelFamily, type ResolvedModel } from './model-ids.ts';
import type { EmulatorState } from './state.ts';
import type { EmulatorCall, EmulatorOp } from './types.ts';

export interface CallContext {
  state: EmulatorState;
  call: EmulatorCall;
  model: ResolvedModel;
  /** The parsed JSON body (an object; anything else was already refused). */
  body: Record<string, unknown>;
  request: FastifyRequest;
  reply: FastifyReply;
  /** `performance.now()` at arrival, for `metrics.latencyMs`. */
  started: number;
}

export type CallRun = (ctx: CallContext) => Promise<void>;

export interface OpSpec {
  op: EmulatorOp;
  /** Families that support the op; others get ValidationException with `wrongFamily`. */
  families: readonly ModelFamily[];
  wrongFamily: (model: ResolvedModel) => string;
}

type ModelRequest = FastifyRequest<{ Params: { modelId: string } }>;

function parseBody(raw: unknown): Record<string, unknown> {
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : '';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('Malformed input request, please reformat your input and try again.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('Malformed input request: the body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

export function callHandler(state: EmulatorState, spec: OpSpec, run: CallRun) {
  return async (request: ModelRequest, reply: FastifyReply): Promise<void> => {
    const started = performance.now();
    const call = state.calls.begin(spec.op, request.params.modelId);
    try {
      const model = resolveModel(call.modelId);
      if (!spec.families.includes(model.family)) throw invalid(spec.wrongFamily(model));
      const body = parseBody(request.body);
      await run({ state, call, model, body, request, reply, started });
    } catch (err) {
      const error = err instanceof BedrockError ? err : new BedrockError('InternalServerException');
      call.status = error.status;
      call.errorType = error.type;
      if (reply.sent) {
        // A stream already under way cannot carry a JSON error any more: cut it.
        (reply.raw as unknown as Http2ServerResponse).stream?.close(constants.NGHTTP2_INTERNAL_ERROR);
        return;
      }
      await sendBedrockError(reply, error);
    }
  };
}

/** Sends a 200 JSON answer and records the status. A Buffer, so Fastify adds no charset. */
export async function sendJson(
  ctx: CallContext,
  payload: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  ctx.call.status = 200;
  await ctx.reply.code(200).headers(headers).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(payload)));
}
