/**
 * The one way out to models: the real `@aws-sdk/client-bedrock-runtime` client, pointed at
 * Bedrock in ap-northeast-2 or at the built-in emulator. The SDK's own retries are off
 * (`maxAttempts: 1`): the router owns retries, so a throttled call moves to the next model
 * instead of hammering the same one. Errors come back as ProviderError with a kind the router
 * acts on.
 */
import {
  BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  ConverseStreamCommand,
  type Message,
  InvokeModelCommand,
  type SystemContentBlock,
  type Tool,
} from '@aws-sdk/client-bedrock-runtime';
import type { FailureKind } from '../router/health.ts';

export interface BedrockOptions {
  region: string;
  /** Emulator or VPC endpoint; unset: the public Bedrock endpoint of `region`. */
  endpoint?: string;
  /** Static credentials (the emulator takes any); unset: the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export class ProviderError extends Error {
  readonly kind: FailureKind | 'aborted';
  readonly providerCode: string;
  readonly status?: number;
  constructor(kind: FailureKind | 'aborted', providerCode: string, message: string, status?: number) {
    super(message);
    this.name = 'ProviderError';
    this.kind = kind;
    this.providerCode = providerCode;
    this.status = status;
  }
  /** Worth trying the next model: the model failed, or this account may not use it (access is per model). */
  get retryable(): boolean {
    return this.kind === 'throttled' || this.kind === 'timeout' || this.kind === 'server' || this.kind === 'stream' || this.kind === 'denied';
  }
}

const KINDS: Record<string, FailureKind> = {
  ThrottlingException: 'throttled',
  ServiceQuotaExceededException: 'throttled',
  ModelNotReadyException: 'throttled',
  ModelTimeoutException: 'timeout',
  InternalServerException: 'server',
  ServiceUnavailableException: 'server',
  ModelErrorException: 'server',
  ModelStreamErrorException: 'stream',
  ValidationException: 'invalid',
  ResourceNotFoundException: 'invalid',
  AccessDeniedException: 'denied',
  // No credentials, or expired ones: not the model's fault, and no other model will do better.
  CredentialsProviderError: 'denied',
  ExpiredTokenException: 'denied',
  UnrecognizedClientException: 'denied',
};

/** Maps anything the SDK throws to a ProviderError; `signal` tells a timeout from a cancel. */
export function toProviderError(error: unknown, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const name = e?.name ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const message = String(e?.message ?? name).slice(0, 500);
  if (name === 'AbortError' || signal?.aborted) {
    const reason = signal?.reason as { name?: string } | undefined;
    return reason?.name === 'TimeoutError' ? new ProviderError('timeout', 'TimeoutError', 'the model did not answer in time') : new ProviderError('aborted', 'AbortError', 'the call was cancelled');
  }
  const kind = KINDS[name] ?? (status !== undefined && status >= 500 ? 'server' : status === 429 ? 'throttled' : status !== undefined && status >= 400 ? 'invalid' : 'server');
  // No status at all: the connection failed (refused, reset, protocol error), which is the provider's side.
  return new ProviderError(kind, name, message, status);
}

export interface ChatInput {
  system?: string;
  messages: { role: 'user' | 'assistant'; text: string }[];
  maxTokens: number;
  temperature?: number;
  /** Structured output: one tool whose input schema is the requested schema. */
  tool?: { name: string; description: string; schema: Record<string, unknown> };
}

export interface ChatOutput {
  text: string;
  toolInput?: unknown;
  stopReason: string;
  inputTokens: number;
  outputTokens: number;
}

export type StreamEvent = { type: 'delta'; text: string } | { type: 'end'; stopReason: string; inputTokens: number; outputTokens: number; usageKnown: boolean };

function converseInput(modelId: string, input: ChatInput) {
  const messages: Message[] = input.messages.map((m) => ({ role: m.role, content: [{ text: m.text } as ContentBlock] }));
  const system: SystemContentBlock[] | undefined = input.system ? [{ text: input.system }] : undefined;
  const tools: Tool[] | undefined = input.tool
    ? [{ toolSpec: { name: input.tool.name, description: input.tool.description, inputSchema: { json: input.tool.schema as never } } }]
    : undefined;
  return {
    modelId,
    messages,
    system,
    inferenceConfig: { maxTokens: input.maxTokens, ...(input.temperature === undefined ? {} : { temperature: input.temperature }) },
    ...(tools && input.tool ? { toolConfig: { tools, toolChoice: { tool: { name: input.tool.name } } } } : {}),
  };
}

export class BedrockProvider {
  #client: BedrockRuntimeClient;

  constructor(options: BedrockOptions) {
    this.#client = new BedrockRuntimeClient({
      region: options.region,
      maxAttempts: 1,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  async converse(modelId: string, input: ChatInput, signal: AbortSignal): Promise<ChatOutput> {
    try {
      const out = await this.#client.send(new ConverseCommand(converseInput(modelId, input)), { abortSignal: signal });
      const blocks = out.output?.message?.content ?? [];
      const text = blocks.map((b) => b.text ?? '').join('');
      const tool = blocks.find((b) => b.toolUse)?.toolUse;
      return {
        text,
        ...(tool ? { toolInput: tool.input } : {}),
        stopReason: out.stopReason ?? 'end_turn',
        inputTokens: out.usage?.inputTokens ?? 0,
        outputTokens: out.usage?.outputTokens ?? 0,
      };
    } catch (error) {
      throw toProviderError(error, signal);
    }
  }

  /**
   * Opens a stream; errors before the first event reject here, later ones throw from the
   * iterator. `cancel` ends the HTTP/2 request at once, read or not.
   */
  async converseStream(modelId: string, input: ChatInput, callSignal: AbortSignal): Promise<{ events: AsyncGenerator<StreamEvent>; cancel(): void }> {
    const local = new AbortController();
    const signal = AbortSignal.any([callSignal, local.signal]);
    const cancel = () => local.abort(new DOMException('the stream was closed', 'AbortError'));
    let stream;
    try {
      const out = await this.#client.send(new ConverseStreamCommand(converseInput(modelId, input)), { abortSignal: signal });
      if (!out.stream) throw new ProviderError('server', 'NoStream', 'the provider answered without a stream');
      stream = out.stream;
    } catch (error) {
      throw toProviderError(error, signal);
    }
    const events = (async function* events(): AsyncGenerator<StreamEvent> {
      let stopReason = 'end_turn';
      let inputTokens = 0;
      let outputTokens = 0;
      let usageKnown = false;
      try {
        for await (const event of stream) {
          const text = event.contentBlockDelta?.delta?.text;
          if (text) yield { type: 'delta', text };
          if (event.messageStop) stopReason = event.messageStop.stopReason ?? stopReason;
          if (event.metadata?.usage) {
            usageKnown = true;
            inputTokens = event.metadata.usage.inputTokens ?? 0;
            outputTokens = event.metadata.usage.outputTokens ?? 0;
          }
          const failure = event.modelStreamErrorException ?? event.throttlingException ?? event.internalServerException ?? event.serviceUnavailableException ?? event.validationException;
          if (failure) throw new ProviderError('stream', 'ModelStreamErrorException', failure.message ?? 'the stream broke');
        }
      } catch (error) {
        const e = toProviderError(error, signal);
        throw e.kind === 'aborted' || e.kind === 'timeout' ? e : new ProviderError('stream', e.providerCode, e.message, e.status);
      }
      // The SDK ends its iterator quietly when the request is aborted: that is no end of answer.
      if (signal.aborted) throw toProviderError(signal.reason, signal);
      yield { type: 'end', stopReason, inputTokens, outputTokens, usageKnown };
    })();
    return { events, cancel };
  }

  /** InvokeModel with a JSON body (images, embeddings); answers the parsed JSON body. */
  async invokeJson(modelId: string, body: unknown, signal: AbortSignal): Promise<{ body: Record<string, unknown>; inputTokens?: number }> {
    try {
      const out = await this.#client.send(
        new InvokeModelCommand({ modelId, body: JSON.stringify(body), contentType: 'application/json', accept: 'application/json' }),
        { abortSignal: signal },
      );
      const parsed = JSON.parse(Buffer.from(out.body).toString('utf8')) as Record<string, unknown>;
      return { body: parsed };
    } catch (error) {
      if (error instanceof SyntaxError) throw new ProviderError('server', 'BadBody', 'the provider answered a body that is not JSON');
      throw toProviderError(error, signal);
    }
  }

  close(): void {
    this.#client.destroy();
  }
}
