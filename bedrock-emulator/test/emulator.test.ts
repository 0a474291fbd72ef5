/**
 * The Bedrock Runtime emulator, driven through the real @aws-sdk/client-bedrock-runtime
 * client (and raw node:http2 where the SDK hides the wire: headers, error bodies).
 */
import { connect } from 'node:http2';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { estimateTokens, startEmulator, type StartedEmulator } from '../src/index.ts';

const NOVA = 'amazon.nova-lite-v1:0';
const CLAUDE = 'anthropic.claude-3-haiku-20240307-v1:0';
const CANVAS = 'amazon.nova-canvas-v1:0';
const TITAN_IMAGE = 'amazon.titan-image-generator-v2:0';
const EMBED_V1 = 'amazon.titan-embed-text-v1';
const EMBED_V2 = 'amazon.titan-embed-text-v2:0';

let emulator: StartedEmulator;
let client: BedrockRuntimeClient;

beforeAll(async () => {
  emulator = await startEmulator({ streamDelayMs: 1 });
  client = new BedrockRuntimeClient({
    region: 'ap-northeast-2',
    endpoint: emulator.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await emulator?.close();
});

beforeEach(async () => {
  await emulator.control.reset();
});

// ---------------------------------------------------------------- helpers

function ask(text: string, extra: Partial<ConverseCommandInput> = {}, modelId = NOVA): ConverseCommandInput {
  return { modelId, messages: [{ role: 'user', content: [{ text }] }], ...extra };
}

function converse(input: ConverseCommandInput): Promise<ConverseCommandOutput> {
  return client.send(new ConverseCommand(input));
}

function textOf(out: ConverseCommandOutput): string {
  const block = out.output?.message?.content?.[0];
  return block && 'text' in block ? (block.text ?? '') : '';
}

/** Collects a stream's events; `error` is what the iterator threw, if anything. */
async function stream(
  input: ConverseCommandInput,
): Promise<{ events: ConverseStreamOutput[]; requestId?: string; error?: Error & Record<string, unknown> }> {
  const out = await client.send(new ConverseStreamCommand(input));
  const { requestId } = out.$metadata;
  const events: ConverseStreamOutput[] = [];
  try {
    for await (const event of out.stream ?? []) events.push(event);
  } catch (error) {
    return { events, requestId, error: error as Error & Record<string, unknown> };
  }
  return { events, requestId };
}

function deltas(events: ConverseStreamOutput[]): string[] {
  return events.flatMap((e) => (e.contentBlockDelta?.delta && 'text' in e.contentBlockDelta.delta ? [e.contentBlockDelta.delta.text ?? ''] : []));
}

async function invoke(modelId: string, body: unknown): Promise<Record<string, any>> {
  const out = await client.send(new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: JSON.stringify(body) }));
  return JSON.parse(Buffer.from(out.body).toString('utf8'));
}

/** Awaits a promise that must fail; returns the error for assertions on name and status. */
async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } } & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error('expected a failure');
}

/** One raw HTTP/2 request, for what the SDK does not show (headers, raw error bodies). */
function raw(path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const session = connect(emulator.url);
    session.on('error', reject);
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/json', ...headers });
    let head: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      head = h;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      session.close();
      resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function solidPng(width: number, height: number, rgb: [number, number, number]): string {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) png.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(png).toString('base64');
}

function decode(base64: string): PNG {
  return PNG.sync.read(Buffer.from(base64, 'base64'));
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

function norm(v: number[]): number {
  return Math.sqrt(cosine(v, v));
}

// ---------------------------------------------------------------- tests

describe('estimateTokens', () => {
  test('counts one token per started 4 bytes of UTF-8', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('hello world')).toBe(3);
    expect(estimateTokens('고양이')).toBe(3); // 9 bytes
  });
});

describe('Converse: text', () => {
  test('answers a marked, deterministic text with usage and metrics', async () => {
    const input = ask('How do I reset my password?', { system: [{ text: 'You are terse.' }] });
    const a = await converse(input);
    const b = await converse(input);
    const text = textOf(a);
    expect(text.startsWith(`[synthetic answer from ${NOVA} by the Easel Bedrock emulator]`)).toBe(true);
    expect(text).toContain('password');
    expect(textOf(b)).toBe(text);
    expect(a.stopReason).toBe('end_turn');
    expect(a.output?.message?.role).toBe('assistant');
    expect(a.usage).toEqual({
      inputTokens: estimateTokens('You are terse.\nHow do I reset my password?'),
      outputTokens: estimateTokens(text),
      totalTokens: estimateTokens('You are terse.\nHow do I reset my password?') + estimateTokens(text),
    });
    expect(a.metrics?.latencyMs).toBeGreaterThanOrEqual(0);
    expect(a.$metadata.httpStatusCode).toBe(200);
    expect(a.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const other = await converse(ask('Tell me about the weather in Busan'));
    expect(textOf(other)).not.toBe(text);
  });

  test('cuts the answer at maxTokens and says so', async () => {
    const full = textOf(await converse(ask('Summarize the quarterly report')));
    const cut = await converse(ask('Summarize the quarterly report', { inferenceConfig: { maxTokens: 10 } }));
    expect(cut.stopReason).toBe('max_tokens');
    expect(cut.usage?.outputTokens).toBeLessThanOrEqual(10);
    expect(cut.usage?.outputTokens).toBe(estimateTokens(textOf(cut)));
    expect(full.startsWith(textOf(cut))).toBe(true);
  });

  test('refuses malformed conversations with ValidationException', async () => {
    const bad: ConverseCommandInput[] = [
      { modelId: NOVA, messages: [] },
      { modelId: NOVA, messages: [{ role: 'system' as never, content: [{ text: 'hi' }] }] },
      { modelId: NOVA, messages: [{ role: 'user', content: [] }] },
      ask('hi', { inferenceConfig: { maxTokens: 0 } }),
    ];
    for (const input of bad) {
      const error = await failure(converse(input));
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
  });

  test('ignores unknown keys in the body', async () => {
    const res = await raw(
      `/model/${encodeURIComponent(NOVA)}/converse`,
      JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hi' }, { cachePoint: { type: 'default' } }] }], somethingNew: { a: 1 } }),
    );
    expect(res.status).toBe(200);
  });
});

describe('Converse: structured output', () => {
  const schema = {
    type: 'object',
    properties: {
      title: { type: 'string', minLength: 3 },
      rating: { type: 'integer', minimum: 1, maximum: 5 },
      tags: { type: 'array', items: { type: 'string', enum: ['news', 'sports', 'tech'] }, minItems: 1 },
      author: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      note: { type: 'string' },
    },
    required: ['title', 'rating', 'tags', 'author'],
    additionalProperties: false,
  };
  const request = ask('Review this article', {
    toolConfig: {
      tools: [
        { toolSpec: { name: 'other', inputSchema: { json: { type: 'object', properties: { x: { type: 'number' } } } } } },
        { toolSpec: { name: 'review', description: 'A review', inputSchema: { json: schema as never } } },
      ],
      toolChoice: { tool: { name: 'review' } },
    },
  });

  test('answers one toolUse whose input satisfies the schema, deterministically', async () => {
    const a = await converse(request);
    const b = await converse(request);
    expect(a.stopReason).toBe('tool_use');
    const block = a.output?.message?.content?.[0];
    const toolUse = block && 'toolUse' in block ? block.toolUse : undefined;
    expect(toolUse?.name).toBe('review');
    expect(toolUse?.toolUseId).toBeTruthy();
    const validate = new Ajv2020({ strict: false }).compile(schema);
    expect(validate(toolUse?.input)).toBe(true);
    expect(b.output).toEqual(a.output);
    expect(a.usage?.outputTokens).toBe(estimateTokens(JSON.stringify(toolUse?.input)));
  });

  test('uses the first tool without a toolChoice.tool', async () => {
    const out = await converse({ ...request, toolConfig: { ...request.toolConfig!, toolChoice: { auto: {} } } });
    const block = out.output?.message?.content?.[0];
    expect(block && 'toolUse' in block ? block.toolUse?.name : undefined).toBe('other');
  });

  test('answers ModelErrorException when no input can satisfy the schema', async () => {
    const impossible = { type: 'object', properties: { a: { type: 'string', minLength: 5, maxLength: 2 } }, required: ['a'] };
    const error = await failure(
      converse(ask('x', { toolConfig: { tools: [{ toolSpec: { name: 't', inputSchema: { json: impossible as never } } }] } })),
    );
    expect(error.name).toBe('ModelErrorException');
    expect(error.$metadata?.httpStatusCode).toBe(424);
  });
});

describe('ConverseStream', () => {
  test('streams the same text Converse gives, then usage', async () => {
    const input = ask('Explain event streams in a few words', {}, CLAUDE);
    const whole = await converse(input);
    const { events, error, requestId } = await stream(input);
    expect(error).toBeUndefined();
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(events[0]?.messageStart?.role).toBe('assistant');
    const parts = deltas(events);
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.join('')).toBe(textOf(whole));
    expect(events.find((e) => e.contentBlockStop)?.contentBlockStop?.contentBlockIndex).toBe(0);
    expect(events.find((e) => e.messageStop)?.messageStop?.stopReason).toBe('end_turn');
    const metadata = events.at(-1)?.metadata;
    expect(metadata?.usage).toEqual(whole.usage);
    expect(metadata?.metrics?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  test('streams a tool use as a start block and JSON-string input deltas', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] };
    const input = ask('Weather?', { toolConfig: { tools: [{ toolSpec: { name: 'forecast', inputSchema: { json: schema as never } } }] } });
    const whole = await converse(input);
    const { events } = await stream(input);
    const start = events.find((e) => e.contentBlockStart)?.contentBlockStart?.start;
    expect(start && 'toolUse' in start ? start.toolUse?.name : undefined).toBe('forecast');
    const json = events
      .map((e) => (e.contentBlockDelta?.delta && 'toolUse' in e.contentBlockDelta.delta ? e.contentBlockDelta.delta.toolUse?.input : ''))
      .join('');
    const block = whole.output?.message?.content?.[0];
    expect(JSON.parse(json)).toEqual(block && 'toolUse' in block ? block.toolUse?.input : undefined);
    expect(events.find((e) => e.messageStop)?.messageStop?.stopReason).toBe('tool_use');
  });
});

describe('InvokeModel: images', () => {
  test('TEXT_IMAGE answers real PNGs of the asked size and count, varying by prompt and index', async () => {
    const body = (text: string) => ({
      taskType: 'TEXT_IMAGE',
      textToImageParams: { text },
      imageGenerationConfig: { numberOfImages: 3, width: 512, height: 256, quality: 'standard', seed: 7 },
    });
    const a = await invoke(CANVAS, body('a red fox in the snow'));
    expect(a.error).toBeNull();
    expect(a.images).toHaveLength(3);
    const decoded = (a.images as string[]).map(decode);
    for (const png of decoded) expect([png.width, png.height]).toEqual([512, 256]);
    expect(decoded[0]!.data.equals(decoded[1]!.data)).toBe(false);
    const again = await invoke(CANVAS, body('a red fox in the snow'));
    expect(again.images).toEqual(a.images);
    const other = await invoke(CANVAS, body('a lighthouse at dusk'));
    expect(decode(other.images[0]).data.equals(decoded[0]!.data)).toBe(false);
  });

  test('defaults to one 1024×1024 image (Titan v2)', async () => {
    const out = await invoke(TITAN_IMAGE, { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'a boat' } });
    expect(out.images).toHaveLength(1);
    const png = decode(out.images[0]);
    expect([png.width, png.height]).toEqual([1024, 1024]);
  });

  test('refuses out-of-range settings with ValidationException', async () => {
    const cases: Array<[string, unknown]> = [
      [CANVAS, { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'x' }, imageGenerationConfig: { width: 300, height: 256 } }],
      [CANVAS, { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'x' }, imageGenerationConfig: { width: 4096 } }],
      [CANVAS, { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'x' }, imageGenerationConfig: { numberOfImages: 6 } }],
      [CANVAS, { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'x' }, imageGenerationConfig: { quality: 'ultra' } }],
      [CANVAS, { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'x'.repeat(1025) } }],
      [TITAN_IMAGE, { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'x'.repeat(513) } }],
      [CANVAS, { taskType: 'TEXT_IMAGE', textToImageParams: {} }],
      [CANVAS, { taskType: 'SOMETHING' }],
    ];
    for (const [model, body] of cases) {
      const error = await failure(invoke(model, body));
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
    // Canvas allows prompts Titan does not.
    const long = await invoke(CANVAS, { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'x'.repeat(1000) }, imageGenerationConfig: { width: 256, height: 256 } });
    expect(long.images).toHaveLength(1);
  });

  test('IMAGE_VARIATION derives from the input image', async () => {
    const variation = (image: string) => ({
      taskType: 'IMAGE_VARIATION',
      imageVariationParams: { images: [image], similarityStrength: 0.7 },
      imageGenerationConfig: { numberOfImages: 1, width: 256, height: 256 },
    });
    const red = await invoke(CANVAS, variation(solidPng(64, 64, [220, 20, 20])));
    const blue = await invoke(CANVAS, variation(solidPng(64, 64, [20, 20, 220])));
    const r = decode(red.images[0]);
    const b = decode(blue.images[0]);
    expect([r.width, r.height]).toEqual([256, 256]);
    expect(r.data.equals(b.data)).toBe(false);
    // The red sketch stays reddish.
    expect(r.data[0]!).toBeGreaterThan(r.data[2]!);

    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 7)]).toString('base64');
    const fromJpeg = await invoke(TITAN_IMAGE, { ...variation(jpeg), imageVariationParams: { text: 'sunny', images: [jpeg] } });
    expect(decode(fromJpeg.images[0]).width).toBe(256);

    const error = await failure(invoke(CANVAS, variation(Buffer.from('not an image at all').toString('base64'))));
    expect(error.name).toBe('ValidationException');
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });
});

describe('InvokeModel: embeddings', () => {
  test('Titan G1 answers 1536 unit-length floats and the token count', async () => {
    const out = await invoke(EMBED_V1, { inputText: 'How do I reset my password?' });
    expect(out.embedding).toHaveLength(1536);
    expect(norm(out.embedding)).toBeCloseTo(1, 9);
    expect(out.inputTextTokenCount).toBe(estimateTokens('How do I reset my password?'));
    expect(out.embeddingsByType).toBeUndefined();
  });

  test('Titan V2 honours dimensions, normalize and embeddingTypes', async () => {
    const byDefault = await invoke(EMBED_V2, { inputText: 'hello world' });
    expect(byDefault.embedding).toHaveLength(1024);
    expect(byDefault.embeddingsByType.float).toEqual(byDefault.embedding);
    for (const dimensions of [256, 512]) {
      const out = await invoke(EMBED_V2, { inputText: 'hello world', dimensions, embeddingTypes: ['float', 'binary'] });
      expect(out.embedding).toHaveLength(dimensions);
      expect(norm(out.embedding)).toBeCloseTo(1, 9);
      expect(out.embeddingsByType.binary).toHaveLength(dimensions);
    }
    const raw = await invoke(EMBED_V2, { inputText: 'hello hello hello world', normalize: false });
    expect(norm(raw.embedding)).toBeGreaterThan(1.5);
    const error = await failure(invoke(EMBED_V2, { inputText: 'x', dimensions: 300 }));
    expect(error.name).toBe('ValidationException');
    const empty = await failure(invoke(EMBED_V2, { inputText: '' }));
    expect(empty.name).toBe('ValidationException');
  });

  test('similar texts are close, unrelated texts far, normalized duplicates identical', async () => {
    const embed = async (text: string, model = EMBED_V2) => (await invoke(model, { inputText: text })).embedding as number[];
    for (const model of [EMBED_V1, EMBED_V2]) {
      const base = await embed('How do I reset my password?', model);
      expect(cosine(base, await embed('how can I reset my password', model))).toBeGreaterThanOrEqual(0.8);
      expect(cosine(base, await embed('What is the weather in Seoul today?', model))).toBeLessThanOrEqual(0.3);
      expect(cosine(base, await embed('The quarterly revenue grew by ten percent', model))).toBeLessThanOrEqual(0.3);
      expect(cosine(base, await embed('HOW do i reset my password', model))).toBeCloseTo(1, 9);
    }
    // Korean particles: 고양이가 / 고양이는 share the noun's trigrams; 강아지는 shares nothing.
    expect(cosine(await embed('고양이가'), await embed('고양이는'))).toBeGreaterThanOrEqual(0.25);
    expect(Math.abs(cosine(await embed('고양이가'), await embed('강아지는')))).toBeLessThanOrEqual(0.1);
    const cat = await embed('고양이가 밥을 먹는다');
    expect(cosine(cat, await embed('고양이는 밥을 먹었다'))).toBeGreaterThanOrEqual(0.3);
    expect(cosine(cat, await embed('오늘 서울 날씨가 좋다'))).toBeLessThanOrEqual(0.3);
  });
});

describe('faults', () => {
  test('throttles the next N calls, then answers', async () => {
    await emulator.control.fault({ modelId: NOVA, exception: 'ThrottlingException', count: 2 });
    for (let i = 0; i < 2; i++) {
      const error = await failure(converse(ask('hi')));
      expect(error.name).toBe('ThrottlingException');
      expect(error.$metadata?.httpStatusCode).toBe(429);
    }
    expect((await converse(ask('hi'))).$metadata.httpStatusCode).toBe(200);
  });

  test('answers each exception with its status and SDK name', async () => {
    const cases: Array<[string, number]> = [
      ['InternalServerException', 500],
      ['ServiceUnavailableException', 503],
      ['ModelTimeoutException', 408],
      ['ModelNotReadyException', 429],
      ['AccessDeniedException', 403],
      ['ValidationException', 400],
    ];
    for (const [exception, status] of cases) {
      await emulator.control.fault({ modelId: '*', exception, message: `injected ${exception}` });
      const error = await failure(converse(ask('hi')));
      expect(error.name).toBe(exception);
      expect(error.$metadata?.httpStatusCode).toBe(status);
    }
    expect((await converse(ask('hi'))).$metadata.httpStatusCode).toBe(200);
  });

  test('errors carry x-amzn-errortype, __type and a request id on the wire', async () => {
    await emulator.control.fault({ modelId: NOVA, exception: 'ServiceUnavailableException' });
    const res = await raw(`/model/${encodeURIComponent(NOVA)}/converse`, JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hi' }] }] }));
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-amzn-errortype']).toBe('ServiceUnavailableException');
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    const body = JSON.parse(res.body);
    expect(body.__type).toBe('ServiceUnavailableException');
    expect(typeof body.message).toBe('string');
  });

  test('a fault on one model leaves the others alone', async () => {
    await emulator.control.fault({ modelId: CLAUDE, exception: 'InternalServerException' });
    expect((await converse(ask('hi', {}, NOVA))).$metadata.httpStatusCode).toBe(200);
    expect((await failure(converse(ask('hi', {}, CLAUDE)))).name).toBe('InternalServerException');
  });

  test('latency delays every matching call until reset', async () => {
    await emulator.control.fault({ modelId: NOVA, latencyMs: 150 });
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      const out = await converse(ask('slow please'));
      expect(performance.now() - started).toBeGreaterThanOrEqual(150);
      expect(out.metrics?.latencyMs).toBeGreaterThanOrEqual(150);
    }
    await emulator.control.reset();
    const started = performance.now();
    await converse(ask('fast please'));
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  test('overrides the stopReason', async () => {
    await emulator.control.fault({ modelId: NOVA, stopReason: 'content_filtered' });
    expect((await converse(ask('hi'))).stopReason).toBe('content_filtered');
    expect((await converse(ask('hi'))).stopReason).toBe('end_turn');
  });

  test('breaks a stream after K deltas with modelStreamErrorException', async () => {
    await emulator.control.fault({ modelId: CLAUDE, breakAfterDeltas: 3 });
    const { events, error } = await stream(ask('Tell me a long story about streams', {}, CLAUDE));
    expect(deltas(events)).toHaveLength(3);
    expect(error?.name).toBe('ModelStreamErrorException');
    expect(events.some((e) => e.messageStop || e.metadata)).toBe(false);
    // The rule was used up: the next stream is whole.
    const next = await stream(ask('Tell me a long story about streams', {}, CLAUDE));
    expect(next.error).toBeUndefined();
  });

  test('breaks a stream after K deltas by resetting the HTTP/2 stream', async () => {
    await emulator.control.fault({ modelId: CLAUDE, breakAfterDeltas: 2, breakMode: 'reset' });
    const { events, error } = await stream(ask('Tell me a long story about streams', {}, CLAUDE));
    expect(deltas(events)).toHaveLength(2);
    expect(error).toBeInstanceOf(Error);
    expect(error?.name).not.toBe('ModelStreamErrorException');
    const calls = await emulator.control.calls();
    expect(calls.at(-1)).toMatchObject({ op: 'converse-stream', status: 200, errorType: 'StreamReset' });
  });

  test('errors found before a stream starts are plain JSON errors', async () => {
    await emulator.control.fault({ modelId: CLAUDE, exception: 'ThrottlingException' });
    const error = await failure(stream(ask('hi', {}, CLAUDE)));
    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata?.httpStatusCode).toBe(429);
  });

  test('the control plane refuses malformed rules', async () => {
    await expect(emulator.control.fault({ modelId: NOVA, exception: 'NoSuchException' })).rejects.toThrow(/400/);
    await expect(emulator.control.fault({ modelId: NOVA })).rejects.toThrow(/400/);
  });
});

describe('quotas', () => {
  test('rpm 3: the fourth call of a burst is throttled', async () => {
    await emulator.control.setQuota(NOVA, { rpm: 3, tpm: 1_000_000 });
    for (let i = 0; i < 3; i++) expect((await converse(ask(`call ${i}`))).$metadata.httpStatusCode).toBe(200);
    const error = await failure(converse(ask('call 4')));
    expect(error.name).toBe('ThrottlingException');
    expect(error.$metadata?.httpStatusCode).toBe(429);
    // Other models have no quota.
    expect((await converse(ask('elsewhere', {}, CLAUDE))).$metadata.httpStatusCode).toBe(200);
  });

  test('tpm counts input tokens plus maxTokens (512 when absent)', async () => {
    await emulator.control.setQuota(NOVA, { rpm: 100, tpm: 600 });
    expect((await converse(ask('hi', { inferenceConfig: { maxTokens: 400 } }))).$metadata.httpStatusCode).toBe(200);
    // About 199 tokens left (refilling 10 a second): a default maxTokens of 512 does not fit,
    // 150 does.
    expect((await failure(converse(ask('hi')))).name).toBe('ThrottlingException');
    expect((await converse(ask('hi', { inferenceConfig: { maxTokens: 150 } }))).$metadata.httpStatusCode).toBe(200);
  });
});

describe('call log', () => {
  test('records op, model, status, tokens, prompt and task type, in order', async () => {
    await converse(ask('first question', { system: [{ text: 'sys' }] }));
    await emulator.control.fault({ modelId: NOVA, exception: 'ThrottlingException' });
    await failure(converse(ask('second question')));
    await invoke(CANVAS, { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'a tiny house' }, imageGenerationConfig: { width: 256, height: 256 } });
    await invoke(EMBED_V2, { inputText: 'embed me' });
    await stream(ask('streamed question', {}, CLAUDE));
    await failure(converse(ask('x', {}, 'amazon.nope-v9')));

    const calls = await emulator.control.calls();
    expect(calls.map((c) => c.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(calls[0]).toMatchObject({ op: 'converse', modelId: NOVA, status: 200, prompt: 'first question', inputTokens: estimateTokens('sys\nfirst question') });
    expect(calls[0]!.outputTokens).toBeGreaterThan(0);
    expect(calls[0]!.at).toBeGreaterThan(Date.now() - 60_000);
    expect(calls[1]).toMatchObject({ op: 'converse', status: 429, errorType: 'ThrottlingException', prompt: 'second question' });
    expect(calls[2]).toMatchObject({ op: 'invoke', modelId: CANVAS, status: 200, taskType: 'TEXT_IMAGE', prompt: 'a tiny house', inputTokens: estimateTokens('a tiny house') });
    expect(calls[3]).toMatchObject({ op: 'invoke', modelId: EMBED_V2, status: 200, prompt: 'embed me', inputTokens: estimateTokens('embed me') });
    expect(calls[4]).toMatchObject({ op: 'converse-stream', modelId: CLAUDE, status: 200, prompt: 'streamed question' });
    expect(calls[5]).toMatchObject({ op: 'converse', modelId: 'amazon.nope-v9', status: 400, errorType: 'ValidationException' });

    const long = 'word '.repeat(100);
    await converse(ask(long));
    expect((await emulator.control.calls()).at(-1)?.prompt).toBe(long.slice(0, 200));
    await emulator.control.reset();
    expect(await emulator.control.calls()).toEqual([]);
  });
});

describe('model ids and operations', () => {
  test('unknown model ids are a ValidationException', async () => {
    for (const modelId of ['amazon.nope-v9', 'openai.gpt-oss-120b-1:0', 'us.anthropic.claude-3-haiku-20240307-v1:0']) {
      const error = await failure(converse(ask('hi', {}, modelId)));
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
  });

  test('accepts profile ids and ARNs, and logs them as sent', async () => {
    const ids = [
      `apac.${CLAUDE}`,
      'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      `arn:aws:bedrock:ap-northeast-2::foundation-model/${NOVA}`,
      `arn:aws:bedrock:ap-northeast-2:123456789012:inference-profile/apac.${NOVA}`,
      'amazon.nova-2-lite-v1:0',
    ];
    for (const modelId of ids) {
      const out = await converse(ask('hi', {}, modelId));
      expect(textOf(out)).toContain(modelId);
    }
    const emb = await invoke(`arn:aws:bedrock:ap-northeast-2::foundation-model/${EMBED_V2}`, { inputText: 'hi', dimensions: 256 });
    expect(emb.embedding).toHaveLength(256);
    expect((await emulator.control.calls()).map((c) => c.modelId)).toEqual([...ids, `arn:aws:bedrock:ap-northeast-2::foundation-model/${EMBED_V2}`]);
  });

  test('a known model on the wrong operation is a ValidationException', async () => {
    const attempts = [
      failure(converse(ask('hi', {}, EMBED_V2))),
      failure(converse(ask('hi', {}, CANVAS))),
      failure(invoke(NOVA, { messages: [] })),
      failure(client.send(new InvokeModelWithResponseStreamCommand({ modelId: CLAUDE, body: JSON.stringify({}) }))),
    ];
    for (const error of await Promise.all(attempts)) {
      expect(error.name).toBe('ValidationException');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
  });

  test('InvokeModel answers carry request id and Bedrock token headers', async () => {
    const res = await raw(`/model/${encodeURIComponent(EMBED_V2)}/invoke`, JSON.stringify({ inputText: 'count these tokens' }), {
      'content-type': 'application/octet-stream',
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-amzn-bedrock-input-token-count']).toBe(String(estimateTokens('count these tokens')));
    expect(res.headers['x-amzn-bedrock-output-token-count']).toBe('0');
    expect(Number(res.headers['x-amzn-bedrock-invocation-latency'])).toBeGreaterThanOrEqual(0);
  });

  test('a malformed JSON body is a ValidationException', async () => {
    const res = await raw(`/model/${encodeURIComponent(NOVA)}/converse`, '{not json');
    expect(res.status).toBe(400);
    expect(res.headers['x-amzn-errortype']).toBe('ValidationException');
  });
});
