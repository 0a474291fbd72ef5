/**
 * Converse and ConverseStream (reference §4.3–4.5) for the text families. Both build the
 * same answer for the same request, so a stream's deltas concatenate to Converse's text.
 */
import type { FastifyInstance } from 'fastify';
import { callHandler, sendJson, type CallContext, type OpSpec } from './call-handler.ts';
import { readConverse } from './converse-request.ts';
import { evenChunks, eventFrame, exceptionFrame, FrameWriter, wordChunks } from './event-stream.ts';
import type { FaultEffects } from './faults.ts';
import { sha256 } from './seeded.ts';
import { admit, type EmulatorState } from './state.ts';
import { toolAnswer, type ToolUse } from './structured-answer.ts';
import { syntheticText } from './text-answer.ts';
import { estimateTokens } from './tokens.ts';
import type { EmulatorOp } from './types.ts';

/** Charged against the TPM quota when the request sets no maxTokens. */
export const DEFAULT_MAX_TOKENS = 512;

interface Answer {
  text?: string;
  toolUse?: ToolUse;
  inputTokens: number;
  outputTokens: number;
  stopReason: string;
  effects: FaultEffects;
}

function spec(op: EmulatorOp): OpSpec {
  return {
    op,
    families: ['text'],
    wrongFamily: (model) => `The model ${model.id} does not support the Converse API; call InvokeModel.`,
  };
}

async function answer(ctx: CallContext, op: EmulatorOp): Promise<Answer> {
  const input = readConverse(ctx.body);
  ctx.call.inputTokens = input.inputTokens;
  ctx.call.prompt = input.lastUserText.slice(0, 200);
  const effects = await admit(ctx.state, ctx.call, op, input.inputTokens + (input.maxTokens ?? DEFAULT_MAX_TOKENS));
  const base = { inputTokens: input.inputTokens, effects };
  if (input.tool) {
    const toolUse = toolAnswer(input.tool, sha256('tool', input.allText, input.tool.name, JSON.stringify(input.tool.schema)));
    const outputTokens = estimateTokens(JSON.stringify(toolUse.input));
    return { ...base, toolUse, outputTokens, stopReason: effects.stopReason ?? 'tool_use' };
  }
  const text = syntheticText(ctx.call.modelId, input.allText, input.lastUserText, input.maxTokens);
  const natural = text.truncated ? 'max_tokens' : 'end_turn';
  return { ...base, text: text.text, outputTokens: text.outputTokens, stopReason: effects.stopReason ?? natural };
}

function usage(a: Answer, outputTokens = a.outputTokens) {
  return { inputTokens: a.inputTokens, outputTokens, totalTokens: a.inputTokens + outputTokens };
}

async function converse(ctx: CallContext): Promise<void> {
  const a = await answer(ctx, 'converse');
  ctx.call.outputTokens = a.outputTokens;
  const content = a.toolUse ? [{ toolUse: a.toolUse }] : [{ text: a.text }];
  await sendJson(ctx, {
    output: { message: { role: 'assistant', content } },
    stopReason: a.stopReason,
    usage: usage(a),
    metrics: { latencyMs: Math.round(performance.now() - ctx.started) },
  });
}

async function converseStream(ctx: CallContext): Promise<void> {
  const a = await answer(ctx, 'converse-stream');
  const deltas = a.toolUse
    ? evenChunks(JSON.stringify(a.toolUse.input), 3).map((input) => ({ toolUse: { input } }))
    : wordChunks(a.text ?? '').map((text) => ({ text }));
  const out = new FrameWriter(ctx.reply, ctx.state.streamDelayMs, { 'x-amzn-bedrock-content-type': 'application/json' });
  ctx.call.status = 200;
  ctx.call.outputTokens = a.outputTokens;
  const { breakAfterDeltas, breakMode } = a.effects;
  let delivered = '';

  const broken = async (): Promise<void> => {
    ctx.call.outputTokens = estimateTokens(delivered);
    if (breakMode === 'reset') {
      ctx.call.errorType = 'StreamReset';
      out.reset();
      return;
    }
    ctx.call.errorType = 'ModelStreamErrorException';
    const message = 'The model stream was interrupted by an injected fault.';
    await out.write(exceptionFrame('modelStreamErrorException', { message, originalStatusCode: 500, originalMessage: message }));
    out.end();
  };

  if (!(await out.write(eventFrame('messageStart', { role: 'assistant' })))) return;
  if (a.toolUse) {
    const { toolUseId, name } = a.toolUse;
    if (!(await out.write(eventFrame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId, name } } })))) return;
  }
  for (const [i, delta] of deltas.entries()) {
    if (breakAfterDeltas === i) return broken();
    if (!(await out.write(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta })))) return;
    delivered += 'text' in delta ? delta.text : delta.toolUse.input;
  }
  if (breakAfterDeltas !== undefined) return broken();
  const tail = [
    eventFrame('contentBlockStop', { contentBlockIndex: 0 }),
    eventFrame('messageStop', { stopReason: a.stopReason }),
  ];
  for (const bytes of tail) if (!(await out.write(bytes))) return;
  const metrics = { latencyMs: Math.round(performance.now() - ctx.started) };
  await out.write(eventFrame('metadata', { usage: usage(a), metrics }));
  out.end();
}

/** Fastify plugin: `POST /model/:modelId/converse` and `/converse-stream`. */
export async function converseRoutes(app: FastifyInstance, opts: { state: EmulatorState }): Promise<void> {
  app.post('/model/:modelId/converse', callHandler(opts.state, spec('converse'), converse));
  app.post('/model/:modelId/converse-stream', callHandler(opts.state, spec('converse-stream'), converseStream));
}
