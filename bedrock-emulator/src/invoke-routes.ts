/**
 * InvokeModel for the image families (Titan Image Generator, Nova Canvas) and the Titan
 * embedding models, and InvokeModelWithResponseStream, which the emulator refuses: no model
 * it serves streams through InvokeModel (text models stream through ConverseStream).
 */
import type { FastifyInstance } from 'fastify';
import { callHandler, sendJson, type CallContext } from './call-handler.ts';
import { readEmbeddingRequest } from './embedding-request.ts';
import { embedding } from './embeddings.ts';
import { invalid } from './errors.ts';
import { readImageRequest } from './image-request.ts';
import { renderImages } from './image-render.ts';
import { admit, type EmulatorState } from './state.ts';
import { estimateTokens } from './tokens.ts';

function bedrockHeaders(ctx: CallContext, inputTokens: number, outputTokens: number): Record<string, string> {
  return {
    'x-amzn-bedrock-input-token-count': String(inputTokens),
    'x-amzn-bedrock-output-token-count': String(outputTokens),
    'x-amzn-bedrock-invocation-latency': String(Math.round(performance.now() - ctx.started)),
  };
}

async function invokeImage(ctx: CallContext): Promise<void> {
  const req = readImageRequest(ctx.body, ctx.model);
  const inputTokens = estimateTokens(req.text);
  Object.assign(ctx.call, { taskType: req.taskType, prompt: req.text.slice(0, 200), inputTokens });
  await admit(ctx.state, ctx.call, 'invoke', inputTokens);
  const images = renderImages(req).map((png) => png.toString('base64'));
  await sendJson(ctx, { images, error: null }, bedrockHeaders(ctx, inputTokens, 0));
}

async function invokeEmbedding(ctx: CallContext): Promise<void> {
  const req = readEmbeddingRequest(ctx.body, ctx.model);
  const inputTextTokenCount = estimateTokens(req.inputText);
  Object.assign(ctx.call, { prompt: req.inputText.slice(0, 200), inputTokens: inputTextTokenCount });
  await admit(ctx.state, ctx.call, 'invoke', inputTextTokenCount);
  const vector = embedding(req.inputText, req.dimensions, req.normalize);
  const payload: Record<string, unknown> = { embedding: vector, inputTextTokenCount };
  if (req.v2) {
    const byType: Record<string, number[]> = { float: vector };
    if (req.embeddingTypes.includes('binary')) byType.binary = vector.map((value) => (value > 0 ? 1 : 0));
    payload.embeddingsByType = byType;
  }
  await sendJson(ctx, payload, bedrockHeaders(ctx, inputTextTokenCount, 0));
}

async function invoke(ctx: CallContext): Promise<void> {
  return ctx.model.family === 'image' ? invokeImage(ctx) : invokeEmbedding(ctx);
}

/** Fastify plugin: `POST /model/:modelId/invoke` and `/invoke-with-response-stream`. */
export async function invokeRoutes(app: FastifyInstance, opts: { state: EmulatorState }): Promise<void> {
  const { state } = opts;
  app.post(
    '/model/:modelId/invoke',
    callHandler(state, {
      op: 'invoke',
      families: ['image', 'embedding'],
      wrongFamily: (model) => `InvokeModel for ${model.id} is not supported by the emulator; call Converse.`,
    }, invoke),
  );
  app.post(
    '/model/:modelId/invoke-with-response-stream',
    callHandler(state, {
      op: 'invoke-stream',
      families: [],
      wrongFamily: (model) =>
        model.family === 'text'
          ? `InvokeModelWithResponseStream is not supported by the emulator; call ConverseStream for ${model.id}.`
          : `The model ${model.id} does not support streaming.`,
    }, async () => {
      throw invalid('InvokeModelWithResponseStream is not supported by the emulator.');
    }),
  );
}
